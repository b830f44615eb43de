"""Fuzzing: random input never raises anything but ExpressionError, and never hangs."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hushflow.errors import ExpressionError
from hushflow.expressions import REGISTRY, Limits, render_typed, taint

#: The machine may be shared and busy; slow generation is not a failure.
SLOW_OK = [HealthCheck.too_slow]
SMALL = Limits(max_loop_iterations=2_000, max_output_size=200_000, max_range_size=2_000)
VARIABLES: dict[str, Any] = {
    "a": 1,
    "b": "text",
    "c": [1, "two", 3.5, None, True],
    "d": {"k": "v", "n": {"m": [1, 2]}},
    "e": None,
    "s": taint("fuzz-secret"),
}
FUNCTIONS = {"secret": lambda key, **kw: "fuzz-" + str(key)}

PIECES = [
    "{{", "}}", "{%", "%}", "{#", "#}", "-", "{{-", "-}}", " ", "\n", "'", '"', "\\", "#{",
    "(", ")", "[", "]", "{", "}", ",", ":", ".", "..", "|", "?", "??", "???", "~",
    "+", "*", "/", "%", "==", "!=", "<", ">=", "=", "and", "or", "not", "is", "in",
    "contains", "defined", "null", "empty", "true", "false", "if", "elseif", "else",
    "endif", "for", "endfor", "set", "filter", "endfilter", "macro", "endmacro", "raw",
    "endraw", "a", "b", "c", "d", "e", "s", "x", "loop", "0", "1", "2.5", "-1",
    "upper", "length", "default", "join", "jq", "split", "slice", "date", "number",
    "toJson", "first", "keys", "range", "render", "secret", "fromJson", "abbreviate",
    "isIn", "block", "endblock", "verbatim", "endverbatim", "toIon", "fromIon", "className",
    "renderOnce", "numberFormat", "merge", "iterable",
]  # fmt: skip

EXPRESSIONS = [
    "a", "b", "c", "d", "e", "s", "d.k", "d.n.m[1]", "c[0]", "c.1", "missing", "1", "2.5",
    "'str'", "[1, 2]", "{'k': 1}", "null", "true", "range(0, 3)", "secret('k')",
    "d[missing].k", "render(d)", "renderOnce(c)", "fromIon('{a:1}')", "block('b')",
]  # fmt: skip
BINARY = ["+", "-", "*", "/", "%", "~", "==", "!=", "<", ">=", "and", "or", "??", "???",
          "contains", "in", "..", "isIn", "not isIn", ">"]  # fmt: skip
FILTERS = [
    "upper", "lower", "length", "first", "last", "default('x')", "join(',')", "toJson",
    "keys", "values", "reverse", "sort", "trim", "title", "abs", "number", "string",
    "split(',')", "slice(0, 1)", "jq('.')", "base64encode", "sha256", "distinct",
    "flatten", "chunk(2)", "yaml", "urlencode", "slugify", "date", "abbreviate(4)",
    "toIon", "className", "numberFormat", "merge([1])", "md5", "timestampNano",
    "date('G QQQ W F K k A n O')",
]  # fmt: skip


def check(template: str) -> None:
    try:
        result = render_typed(template, VARIABLES, functions=FUNCTIONS, limits=SMALL)
    except ExpressionError as error:
        # The renderer turns an unexpected Python exception into this generic
        # error; seeing it means the fuzzer found a bug.
        assert "Internal error" not in str(error)
        assert error.line is None or error.line >= 1
        return
    assert isinstance(result.text, str)
    assert "fuzz-secret" not in result.text or "fuzz-secret" in "".join(result.tainted)


@settings(max_examples=400, deadline=None, suppress_health_check=SLOW_OK)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_random_token_soup(template: str) -> None:
    check(template)


@settings(max_examples=300, deadline=None, suppress_health_check=SLOW_OK)
@given(st.text(max_size=60))
def test_random_text(template: str) -> None:
    check(template)


def expressions() -> st.SearchStrategy[str]:
    leaf = st.sampled_from(EXPRESSIONS)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(BINARY), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(inner, st.sampled_from(FILTERS)).map(lambda t: f"{t[0]} | {t[1]}"),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
            inner.map(lambda e: f"not {e}"),
            inner.map(lambda e: f"[{e}]"),
            inner.map(lambda e: f"{e} is defined"),
        )

    return st.recursive(leaf, extend, max_leaves=8)


@settings(max_examples=400, deadline=None, suppress_health_check=SLOW_OK)
@given(expressions())
def test_random_well_formed_expressions(expression: str) -> None:
    check("{{ " + expression + " }}")
    check("{% for x in " + expression + " %}{{ x }}{% endfor %}")
    check("{% if " + expression + " %}y{% else %}n{% endif %}")


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW_OK)
@given(expressions())
def test_secret_derived_values_are_always_reported(expression: str) -> None:
    template = "{{ (" + expression + ") ~ s }}"
    try:
        result = render_typed(template, VARIABLES, functions=FUNCTIONS, limits=SMALL)
    except ExpressionError as error:
        assert "fuzz-secret" not in str(error)
        return
    assert result.text in result.tainted


LITERALS = [
    "null", "true", "0", "-1", "3", "2.5", "''", "'a,b'", "'x'", "'.'", "'[0-9]'", "'('",
    "'#,##0.00'", "'yyyy-MM-dd'", "'DAYS'", "'Europe/Paris'", "'2024-01-15T10:30:00Z'",
    "'{\"a\": 1}'", "'.a'", "[]", "[1, 'b', null]", "{}", "{'a': 'b'}", "c", "d", "s",
]  # fmt: skip


@settings(max_examples=500, deadline=None, suppress_health_check=SLOW_OK)
@given(
    st.sampled_from(sorted(REGISTRY.filters)),
    st.sampled_from(LITERALS),
    st.lists(st.sampled_from(LITERALS), max_size=3),
)
def test_every_filter_with_random_arguments(name: str, value: str, args: list[str]) -> None:
    call = name if not args else f"{name}({', '.join(args)})"
    check("{{ " + value + " | " + call + " }}")


@settings(max_examples=300, deadline=None, suppress_health_check=SLOW_OK)
@given(
    st.sampled_from(sorted(set(REGISTRY.functions) - {"secret", "kv"})),
    st.lists(st.sampled_from(LITERALS), max_size=3),
)
def test_every_function_with_random_arguments(name: str, args: list[str]) -> None:
    check("{{ " + name + "(" + ", ".join(args) + ") }}")
