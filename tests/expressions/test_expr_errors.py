"""Errors are positioned and readable; limits stop hostile templates; the cache is bounded."""

from __future__ import annotations

import pytest

from hushflow.errors import ExpressionError
from hushflow.expressions import Limits, compile_template, render, render_typed
from hushflow.expressions import rendering as render_module

V = {"user": {"name": "ada"}, "items": [1, 2, 3], "s": "text"}


def error_of(template: str, variables: dict[str, object] | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        render(template, V if variables is None else variables)
    return info.value


def test_undefined_variable_uses_kestras_wording() -> None:
    error = error_of("{{ x }}")
    # Kestra's wording, as its own test expects it (VariablesTest#invalidVars).
    assert str(error) == "Unable to find `x` used in the expression `{{ x }}` at line 1, column 4"
    assert (error.line, error.column) == (1, 4)
    assert error.source == "{{ x }}"


def test_undefined_attribute_names_the_missing_part() -> None:
    # Pebble's AttributeNotFoundException names the attribute, not the path.
    error = error_of("Hi\n  {{ user.address.city }}")
    assert str(error).startswith("Unable to find `address` used in the expression")
    assert (error.line, error.column) == (2, 11)


@pytest.mark.parametrize(
    ("template", "message", "line", "column"),
    [
        pytest.param("{{ 1 + }}", "Unexpected '}}'", 1, 8, id="dangling-operator"),
        pytest.param("{{ 'abc }}", "Unclosed string literal", 1, 4, id="unclosed-string"),
        pytest.param("{{ x", "Missing '}}' to close '{{'", 1, 1, id="unclosed-print"),
        pytest.param("{# x", "Unclosed comment", 1, 1, id="unclosed-comment"),
        pytest.param("{% if x %}", "Missing '{% endif %}'", 1, 11, id="unclosed-if"),
        pytest.param("{% for x in y %}", "Missing '{% endfor %}'", 1, 17, id="unclosed-for"),
        pytest.param("a\n{% endif %}", "Unexpected 'endif' without", 2, 4, id="stray-end"),
        pytest.param("{% include 'x' %}", "The 'include' tag is not supported", 1, 4, id="include"),
        pytest.param("{% import 'x' %}", "The 'import' tag is not supported", 1, 4, id="import"),
        pytest.param("{% extends 'x' %}", "The 'extends' tag is not supported", 1, 4, id="extends"),
        pytest.param("{% embed 'x' %}", "The 'embed' tag is not supported", 1, 4, id="embed"),
        pytest.param("{% bogus %}", "Unknown tag 'bogus'", 1, 4, id="unknown-tag"),
        pytest.param(
            "{{ s | bogus }}", "Filter [bogus] does not exist.", 1, 8, id="unknown-filter"
        ),
        pytest.param("{{ s is bogus }}", "Test [bogus] does not exist.", 1, 9, id="unknown-test"),
        pytest.param(
            "{{ bogus() }}",
            "Function or Macro [bogus] does not exist.",
            1,
            4,
            id="unknown-function",
        ),
        pytest.param("{{ s.upper() }}", "Method calls are not supported", 1, 6, id="method-call"),
        pytest.param(
            "{{ s | upper | number | lower }}", "The 'number' filter", 1, 16, id="chain-middle"
        ),
        pytest.param(
            "{{ s | trim | slice(0, 9) | lower }}", "The 'slice' filter", 1, 15, id="chain-constant"
        ),
        pytest.param(
            "{{ s | upper | join(s) | lower }}", "The 'join' filter needs", 1, 16, id="chain-arg"
        ),
        pytest.param("{{ }}", "Empty expression", 1, 1, id="empty-expression"),
        pytest.param('{{ "a#{}" }}', "Empty '#{}' in a string", 1, 8, id="empty-interpolation"),
        pytest.param('{{ "#{1 2}" }}', "Unexpected '2' in '#{}'", 1, 9, id="bad-interpolation"),
        pytest.param("{{ 1 / 0 }}", "Division by zero", 1, 6, id="division-by-zero"),
        pytest.param("{{ 's' * 2 }}", "Could not perform multiplication", 1, 8, id="bad-operands"),
        pytest.param("{{ {'a': 1} < 2 }}", "Could not perform less than", 1, 13, id="bad-compare"),
        pytest.param(
            "{% for x in 3 %}{% endfor %}", "Cannot iterate over a number", 1, 13, id="for"
        ),
        pytest.param("{{ s | slice(0, 99) }}", "toIndex must be smaller", 1, 8, id="slice"),
        pytest.param(
            "{{ 'x' | number }}", "cannot parse its input as a number", 1, 10, id="number"
        ),
        pytest.param(
            "{{ 'a' | jq('.[') }}",
            "Unable to parse jq value with type 'java.lang.String': the jq expression is invalid",
            1,
            10,
            id="jq-program",
        ),
        pytest.param("{{ s | abbreviate(n=1) }}", "has no argument 'n'", 1, 8, id="bad-kwarg"),
        pytest.param("{{ s | upper(1) }}", "takes at most 0 argument", 1, 8, id="extra-arg"),
        pytest.param("{{ f(a=1, 2) }}", "positional argument cannot follow", 1, 11, id="arg-order"),
        pytest.param("{{ 9223372036854775807 + 1 }}", "Integer overflow", 1, 24, id="overflow"),
        pytest.param("{{ 'x' | date('Q') }}", "Unable to parse the date", 1, 10, id="date-input"),
        pytest.param("{{ kv('k') }}", "'kv' function is not available", 1, 4, id="kv-no-store"),
    ],
)
def test_positioned_errors(template: str, message: str, line: int, column: int) -> None:
    error = error_of(template)
    assert message in str(error)
    assert (error.line, error.column) == (line, column)
    assert f"line {line}, column {column}" in str(error)


# Pebble's and Kestra's own words (their sources), then hushflow's explanation.
@pytest.mark.parametrize(
    ("template", "message", "column"),
    [
        pytest.param("{{ a.b.missing }}", "Unable to find `missing` used in", 8, id="attr"),
        pytest.param("{{ a[k].c }}", "Unable to find `zz` used in the expression", 6, id="key"),
        pytest.param("{{ a[k2] }}", "Unable to find `k2` used in the expression", 6, id="key-var"),
        pytest.param("{{ s | uper }}", "Filter [uper] does not exist. Did you mean 'upper'?", 8),
        pytest.param("{{ renderr('x') }}", "Function or Macro [renderr] does not exist.", 4),
        pytest.param("{{ fromJson() }}", "The 'fromJson' function expects an argument 'json'.", 4),
        pytest.param("{{ fromJson(1) }}", "expects an argument 'json' with type string.", 4),
        pytest.param("{{ fromJson('{') }}", "Invalid json: Expecting property name", 4),
        pytest.param("{{ fromIon() }}", "The 'fromIon' function expects an argument 'ion'.", 4),
        pytest.param("{{ fromIon('{a:') }}", "Invalid ion: the text is not valid", 4),
        pytest.param("{{ render() }}", "The 'render' function expects an argument 'toRender'.", 4),
        pytest.param(
            "{{ render(s, recursive='yes') }}", "optional argument 'recursive' with type boolean", 4
        ),
        pytest.param("{{ render(loop1) }}", "Too many rendering attempts", 4, id="too-many"),
        pytest.param("{{ 'x' | jq('.a') }}", "Unable to parse jq value with type", 10),
        pytest.param("{{ '{}' | jq('error(1)') }}", "jq failed to evaluate the expression", 11),
        pytest.param("{{ [1] | sha256 }}", "Need a string to hash", 10),
        pytest.param("{{ 1 | md5 }}", "Need a string to hash", 8),
        pytest.param(
            "{{ 'a' | merge([1]) }}", "The object being filtered is not a Map/List/Array", 10
        ),
        pytest.param("{{ null | merge(null) }}", "The two arguments to be merged are null", 11),
        pytest.param(
            "{{ {'a': 1} | merge('x') }}",
            "only Maps and Lists can be merged with a Map. Arg2: java.lang.String",
            15,
        ),
        pytest.param(
            "{{ [1] | merge(2) }}",
            "only Maps and Lists can be merged with a List. Arg2: java.lang.Integer",
            10,
        ),
        pytest.param(
            "{{ 'x' | keys }}",
            "'keys' filter can only be applied to List, Map, Array. Actual type was: "
            "java.lang.String",
            10,
        ),
        pytest.param(
            "{{ 'a' > 'b' }}",
            "Could not perform greater than comparison: invalid operands for mathematical "
            "comparison [GREATER_THAN]",
            8,
        ),
        pytest.param("{{ 'x' | numberFormat }}", "input for the 'NumberFormat' filter has", 10),
        pytest.param("{{ block('nope') }}", "Block [nope] does not exist", 4),
        pytest.param("{% raw %}x", "Unclosed 'raw' tag", 1, id="unclosed-raw"),
        pytest.param("{% block a %}{% endblock b %}", "'endblock b' closes block 'a'", 26),
        pytest.param("{% block a %}{% endblock %}{% block a %}{% endblock %}", "defined twice", 28),
    ],
)
def test_pebble_and_kestra_wording(template: str, message: str, column: int) -> None:
    variables = {
        "a": {"b": {}},
        "k": "zz",
        "s": "t",
        "loop1": "{{ loop2 }}",
        "loop2": "{{ loop1 }}",
    }
    error = error_of(template, variables)
    assert message in str(error)
    assert error.column == column
    assert str(error).endswith(f"at line 1, column {column}")


def test_no_python_internals_in_error_messages() -> None:
    for template in ("{{ s | sha256(1, 2) }}", "{{ items | join(1, 2, 3) }}", "{{ s | chunk(0) }}"):
        message = str(error_of(template))
        for internal in ("Traceback", "TypeError", "ValueError", "self", "__"):
            assert internal not in message


def test_strict_variables_except_under_defined_coalescing_and_default() -> None:
    assert render("{{ x is defined }}{{ x ?? 1 }}{{ x ??? 2 }}{{ x | default(3) }}", {}) == (
        "false123"
    )
    with pytest.raises(ExpressionError):
        render("{{ x | upper }}", {})
    with pytest.raises(ExpressionError):
        render("{{ x is null }}", {})


def test_typed_render_of_a_single_expression() -> None:
    assert render_typed("{{ items }}", V).value == [1, 2, 3]
    assert render_typed("  {{ 1 + 1 }}\n", V).value == 2
    assert render_typed("{{ null }}", V).value is None
    assert render_typed("{{ 2.5 }}", V).value == 2.5
    assert render_typed("{{ true }}", V).text == "true"
    assert render_typed("n={{ 1 }}", V).value == "n=1"
    assert render_typed("{{ 1 }}{{ 2 }}", V).value == "12"
    assert render_typed("plain", V).value == "plain"


# --- limits ------------------------------------------------------------------


def test_template_length_limit() -> None:
    with pytest.raises(ExpressionError, match="too long"):
        render("x" * 101, {}, limits=Limits(max_template_length=100))


def test_nesting_depth_limit() -> None:
    with pytest.raises(ExpressionError, match="nesting is deeper"):
        render("{{ " + "(" * 100 + "1" + ")" * 100 + " }}", {})
    with pytest.raises(ExpressionError, match="nesting is deeper"):
        render("{% if true %}" * 100 + "{% endif %}" * 100, {})


def test_loop_iteration_limit_counts_across_loops() -> None:
    limits = Limits(max_loop_iterations=50)
    template = "{% for a in range(1, 10) %}{% for b in range(1, 10) %}.{% endfor %}{% endfor %}"
    with pytest.raises(ExpressionError, match="More than 50 loop iterations"):
        render(template, {}, limits=limits)
    assert (
        render(
            "{% for a in range(1, 6) %}{% for b in range(1, 6) %}.{% endfor %}{% endfor %}",
            {},
            limits=limits,
        )
        == "." * 36
    )


def test_nested_renders_share_the_loop_budget() -> None:
    # Without sharing, each render() would get its own budget and a loop of
    # renders of loops would multiply it (10**5 x 10**5 iterations).
    limits = Limits(max_loop_iterations=1000)
    inner = "{% for j in range(1, 100) %}{% endfor %}"
    outer = "{% for i in range(1, 100) %}{{ render(t) }}{% endfor %}"
    with pytest.raises(ExpressionError, match="More than 1000 loop iterations"):
        render(outer, {"t": inner}, limits=limits)
    assert (
        render("{% for i in range(1, 5) %}{{ render(t) }}{% endfor %}", {"t": inner}, limits=limits)
        == ""
    )


def test_work_limit_stops_loops_that_reprocess_large_values() -> None:
    limits = Limits(max_work=1_000_000)
    template = "{% for i in range(1, 1000) %}{% set x = s | upper %}{% endfor %}done"
    with pytest.raises(ExpressionError, match="too much work"):
        render(template, {"s": "x" * 10_000}, limits=limits)
    assert render(template, {"s": "x" * 100}, limits=limits) == "done"


def test_work_limit_counts_every_step_of_a_filter_chain() -> None:
    limits = Limits(max_work=1_000_000)
    template = "{% for i in range(1, 100) %}{% set x = s | upper | lower | trim %}{% endfor %}ok"
    with pytest.raises(ExpressionError, match="too much work") as info:
        render(template, {"s": "x" * 4_000}, limits=limits)
    assert info.value.column is not None
    assert render(template, {"s": "x" * 3_000}, limits=limits) == "ok"


def test_output_limit_stops_a_chain_step_that_grows_a_string() -> None:
    limits = Limits(max_output_size=1_000)
    with pytest.raises(ExpressionError, match="'replace' filter produced a value larger"):
        render("{{ s | trim | replace({'x': s}) | upper }}", {"s": "x" * 40}, limits=limits)


def test_output_size_limit() -> None:
    limits = Limits(max_output_size=1000)
    with pytest.raises(ExpressionError, match="Output is larger than 1000"):
        render("{% for i in range(1, 200) %}0123456789{% endfor %}", {}, limits=limits)
    with pytest.raises(ExpressionError, match="larger than 1000"):
        render(
            "{% set s = 'xxxxxxxxxx' %}{% for i in range(1, 20) %}{% set s = s ~ s %}{% endfor %}",
            {},
            limits=limits,
        )


def test_huge_range_fails_fast() -> None:
    # Without the size check these would try to build 10**12 integers: the
    # test would then die of memory or hit pytest's timeout, not pass.
    with pytest.raises(ExpressionError, match="Range is too large"):
        render("{{ range(0, 1000000000000) }}", {})
    with pytest.raises(ExpressionError, match="Range is too large"):
        render("{{ 1..1000000000000 }}", {})


def test_render_recursion_is_bounded() -> None:
    with pytest.raises(ExpressionError, match="nested too deeply"):
        render("{{ render(t) }}", {"t": "{{ render(t) }}"})


def test_macro_recursion_is_bounded() -> None:
    with pytest.raises(ExpressionError, match="too deeply"):
        render("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", {})


def test_deeply_nested_data_is_an_error_not_a_crash() -> None:
    data: object = "x"
    for _ in range(5000):
        data = [data]
    with pytest.raises(ExpressionError):
        render("{{ d }}", {"d": data})


def test_compiled_templates_are_cached_and_the_cache_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = compile_template("{{ cached_case }}")
    assert compile_template("{{ cached_case }}") is first
    monkeypatch.setattr(render_module, "CACHE_SIZE", 3)
    for i in range(10):
        compile_template(f"{{{{ {i} }}}}")
    assert len(render_module._cache) <= 3
    assert compile_template("{{ cached_case }}") is not first


GROWTH = "{% for i in range(1, 60) %}{% set s = STEP %}{% endfor %}{{ s | length }}"


@pytest.mark.parametrize(
    ("start", "step", "message"),
    [
        pytest.param("['x']", "[s, s]", "list is larger than the value limit", id="shared-list"),
        pytest.param("{'a': 1}", "{'a': s, 'b': s}", "map is larger than", id="shared-map"),
        pytest.param("['x']", "[s] | merge([s])", "'merge' filter produced", id="shared-merge"),
        pytest.param("['x']", "s | merge(s)", "'merge' filter produced", id="doubling-merge"),
        pytest.param("['x']", "s + s", "larger than the value limit", id="doubling-plus"),
        pytest.param("'ab'", "s ~ s", "String is larger", id="doubling-concat"),
        pytest.param("'aaaa'", "s | replace({'a': s})", "larger than", id="replace-blowup"),
        pytest.param("'a\\nb'", "s ~ '\\n' ~ s | indent(1000)", "larger", id="indent-blowup"),
    ],
)
def test_values_cannot_grow_without_bound(start: str, step: str, message: str) -> None:
    # Shared parts count at every use: a list holding itself twice, doubled in a
    # loop, would otherwise be 2**60 elements when printed or scanned (the test
    # would hang until pytest's timeout instead of failing fast here).
    limits = Limits(max_value_size=100_000, max_output_size=50_000)
    template = "{% set s = " + start + " %}" + GROWTH.replace("STEP", step)
    with pytest.raises(ExpressionError, match=message):
        render(template, {}, limits=limits)


@pytest.mark.parametrize(
    "program",
    [
        pytest.param("$ENV", id="env-variable"),
        pytest.param("env", id="env-builtin"),
        pytest.param('"\\($ENV)"', id="env-in-string-interpolation"),
        pytest.param("def f: $ENV; f", id="env-in-a-definition"),
        pytest.param(".) | $ENV | (.", id="breaking-out-of-the-wrapper"),
    ],
)
def test_jq_cannot_read_the_process_environment(
    program: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUSHFLOW_TEST_ENV_PROBE", "probe-value-from-env")
    try:
        text = render("{{ {'a': 1} | jq(p) }}", {"p": program})
    except ExpressionError:
        return
    assert "probe-value-from-env" not in text
    assert "HUSHFLOW_TEST_ENV_PROBE" not in text


@pytest.mark.parametrize(
    "program",
    [
        pytest.param('include "x"; .', id="include"),
        pytest.param('import "passwd" as $p {search: "/etc"}; $p', id="import-data"),
        pytest.param('"x" | modulemeta', id="modulemeta"),
    ],
)
def test_jq_cannot_load_modules(program: str) -> None:
    with pytest.raises(ExpressionError, match="jq"):
        render("{{ 1 | jq(p) }}", {"p": program})


def test_jq_debug_does_not_write_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    assert render("{{ 'x' | toJson | jq('debug') }}", {}) == '["x"]'
    assert render("{{ 'x' | toJson | jq('stderr') }}", {}) == '["x"]'
    assert capfd.readouterr().err == ""


def test_chain_arguments_never_become_code() -> None:
    # A chain whose arguments are literals runs as generated code; the literals
    # are passed in as values, so text that looks like Python stays text.
    payload = '"); import os; os._exit(1); ("'
    template = "{{ 'a' | replace({'a': '" + payload.replace("'", "\\'") + "'}) | upper | trim }}"
    assert render(template, {}) == payload.upper().strip()


def test_long_chains_match_step_by_step_results() -> None:
    steps = " | ".join(["upper", "lower", "trim", "title"] * 8)
    assert render("{{ s | " + steps + " }}", {"s": "  ab cd "}) == "Ab Cd"
    assert render("{{ s | " + steps + " | length }}", {"s": "  ab cd "}) == "5"
