"""Taint: everything computed from secret() is reported, so the masker can hide it.

Secrets here are fake, generated per test run. ``mask`` stands in for the
execution's masker: it replaces every reported fragment in the output.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import pytest

from hushflow.errors import ExpressionError, SecretNotFound
from hushflow.expressions import (
    REGISTRY,
    SECRET_NOT_ALLOWED,
    Rendered,
    is_tainted,
    render,
    render_data,
    render_typed,
    taint,
)
from hushflow.expressions.taint import MASK, Tainted

TOKEN = "tok-" + secrets.token_hex(8)
PLAIN = "Pw-" + secrets.token_hex(8)
SECRETS: dict[str, str] = {
    "k": PLAIN,
    "json": json.dumps({"token": TOKEN, "user": "svc-" + secrets.token_hex(4)}),
    "jsonSecret": json.dumps({"token": TOKEN}),
    "list": json.dumps(["a-" + secrets.token_hex(4), "b-" + secrets.token_hex(4)]),
    "num": str(10_000 + secrets.randbelow(80_000)),
    "date": "2024-01-15T10:30:00Z",
    "b64": base64.b64encode(PLAIN.encode()).decode(),
    "url": "a b&" + secrets.token_hex(4),
    "yaml": f"a: {PLAIN}\n",
    "tpl": "{{ 'x' ~ '" + secrets.token_hex(4) + "' }}",
    "tz": "UTC",
    "multi": "line1\nline2-" + secrets.token_hex(4),
    "csv": f"{secrets.token_hex(3)},{secrets.token_hex(3)}",
    "rfc": "Tue, 08 Feb 2022 19:38:26 GMT",
    "ion": '{token:"' + TOKEN + '"}',
}


def secret_fn(key: str, namespace: str | None = None, subkey: str | None = None) -> str:
    if key not in SECRETS:
        raise SecretNotFound(f"Secret '{key}' not found")
    return SECRETS[key]


def kv_fn(key: str, **kwargs: Any) -> str:
    return "kv:" + key


FUNCTIONS = {"secret": secret_fn, "kv": kv_fn}


def mask(text: str, fragments: frozenset[str]) -> str:
    for fragment in sorted(fragments, key=len, reverse=True):
        text = text.replace(fragment, MASK)
    return text


def run(template: str, variables: dict[str, Any] | None = None) -> Rendered:
    return render_typed(template, variables or {}, functions=FUNCTIONS)


def assert_fully_masked(result: Rendered) -> None:
    assert result.text, "the case must produce some output"
    assert result.text in result.tainted
    assert set(mask(result.text, result.tainted)) <= set(MASK)


# One template per registered filter, each fed by secret().
FILTER_CASES: dict[str, str] = {
    "abbreviate": "{{ secret('k') | abbreviate(8) }}",
    "abs": "{{ secret('num') | number | abs }}",
    "base64decode": "{{ secret('b64') | base64decode }}",
    "base64encode": "{{ secret('k') | base64encode }}",
    "capitalize": "{{ secret('k') | capitalize }}",
    "className": "{{ secret('k') | className }}",
    "chunk": "{{ fromJson(secret('list')) | chunk(1) }}",
    "date": "{{ secret('date') | date('yyyy-MM-dd') }}",
    "dateAdd": "{{ secret('date') | dateAdd(1, 'DAYS') }}",
    "default": "{{ secret('k') | default('x') }}",
    "distinct": "{{ fromJson(secret('list')) | distinct }}",
    "endsWith": "{{ secret('k') | endsWith('x') }}",
    "escapeChar": "{{ secret('k') | escapeChar('shell') }}",
    "first": "{{ secret('k') | first }}",
    "flatten": "{{ fromJson(secret('list')) | flatten }}",
    "indent": "{{ secret('multi') | indent(2) }}",
    "jq": "{{ secret('json') | jq('.token') }}",
    "join": "{{ fromJson(secret('list')) | join('-') }}",
    "json": "{{ secret('k') | json }}",
    "keys": "{{ fromJson(secret('json')) | keys }}",
    "last": "{{ secret('k') | last }}",
    "length": "{{ secret('k') | length }}",
    "lower": "{{ secret('k') | lower }}",
    "md5": "{{ secret('k') | md5 }}",
    "merge": "{{ {'a': 1} | merge(fromJson(secret('json'))) }}",
    "nindent": "{{ secret('multi') | nindent(2) }}",
    "number": "{{ secret('num') | number }}",
    "numberFormat": "{{ secret('num') | number | numberFormat('#,##0') }}",
    "numberformat": "{{ secret('num') | number | numberformat('0.0') }}",
    "regexMatch": "{{ secret('k') | regexMatch('Pw') }}",
    "regexReplace": "{{ secret('k') | regexReplace('Pw', 'X') }}",
    "replace": "{{ secret('k') | replace({'Pw': 'Q'}) }}",
    "reverse": "{{ secret('k') | reverse }}",
    "rsort": "{{ fromJson(secret('list')) | rsort }}",
    "sha1": "{{ secret('k') | sha1 }}",
    "sha256": "{{ secret('k') | sha256 }}",
    "sha512": "{{ secret('k') | sha512 }}",
    "slice": "{{ secret('k') | slice(0, 6) }}",
    "slugify": "{{ secret('k') | slugify }}",
    "sort": "{{ fromJson(secret('list')) | sort }}",
    "split": "{{ secret('csv') | split(',') }}",
    "startsWith": "{{ secret('k') | startsWith('Pw') }}",
    "string": "{{ secret('num') | number | string }}",
    "substring": "{{ secret('k') | substring(1, 5) }}",
    "substringAfter": "{{ secret('k') | substringAfter('-') }}",
    "substringAfterLast": "{{ secret('k') | substringAfterLast('-') }}",
    "substringBefore": "{{ secret('csv') | substringBefore(',') }}",
    "substringBeforeLast": "{{ secret('csv') | substringBeforeLast(',') }}",
    "timestamp": "{{ secret('date') | timestamp }}",
    "timestampMicro": "{{ secret('date') | timestampMicro }}",
    "timestampMilli": "{{ secret('date') | timestampMilli }}",
    "timestampNano": "{{ secret('date') | timestampNano }}",
    "title": "{{ secret('k') | title }}",
    "toIon": "{{ fromJson(secret('json')) | toIon }}",
    "toJson": "{{ fromJson(secret('json')) | toJson }}",
    "toYaml": "{{ fromJson(secret('json')) | toYaml }}",
    "trim": "{{ secret('k') | trim }}",
    "upper": "{{ secret('k') | upper }}",
    "urldecode": "{{ secret('url') | urlencode | urldecode }}",
    "urlencode": "{{ secret('url') | urlencode }}",
    "values": "{{ fromJson(secret('json')) | values }}",
    "yaml": "{{ fromJson(secret('json')) | yaml }}",
}

# A filter argument (not the piped value) that is secret-derived taints too.
ARGUMENT_CASES: dict[str, str] = {
    "default-arg": "{{ missing | default(secret('k')) }}",
    "join-separator": "{{ ['a', 'b'] | join(secret('k')) }}",
    "replace-map-value": "{{ 'xy' | replace({'x': secret('k')}) }}",
    "merge-arg": "{{ {'a': 1} | merge({'b': secret('k')}) }}",
}

FUNCTION_CASES: dict[str, str] = {
    "secret": "{{ secret('k') }}",
    "fromJson": "{{ fromJson(secret('json')).token }}",
    "fromIon": "{{ fromIon(fromJson(secret('json')) | toIon).token }}",
    "json": "{{ json(secret('json')) }}",
    "yaml": "{{ yaml(secret('yaml')).a }}",
    "fromYaml": "{{ fromYaml(secret('yaml')) }}",
    "now": "{{ now(timeZone=secret('tz')) }}",
    "range": "{{ range(0, secret('num') | number | substring(0, 1) | number) }}",
    "max": "{{ max(1, secret('num') | number) }}",
    "min": "{{ min(1000000, secret('num') | number) }}",
    "randomInt": "{{ randomInt(0, secret('num') | number) }}",
    "render": "{{ render(secret('tpl')) }}",
    "renderOnce": "{{ renderOnce(secret('tpl')) }}",
    "kv": "{{ kv(secret('k')) }}",
}


@pytest.mark.parametrize("name", sorted(FILTER_CASES))
def test_each_filter_propagates_taint(name: str) -> None:
    assert_fully_masked(run(FILTER_CASES[name]))


@pytest.mark.parametrize("name", sorted(ARGUMENT_CASES))
def test_a_tainted_filter_argument_taints_the_result(name: str) -> None:
    assert_fully_masked(run(ARGUMENT_CASES[name]))


@pytest.mark.parametrize("name", sorted(FUNCTION_CASES))
def test_each_function_propagates_taint(name: str) -> None:
    assert_fully_masked(run(FUNCTION_CASES[name]))


def test_every_registered_filter_and_function_has_a_taint_case() -> None:
    assert set(REGISTRY.filters) == set(FILTER_CASES)
    # uuid takes no argument, so nothing secret can flow into it.
    assert set(REGISTRY.functions) - {"uuid"} == set(FUNCTION_CASES)


@pytest.mark.parametrize("test_name", ["null", "empty", "iterable", "map", "json"])
def test_is_tests_on_a_secret_are_tainted(test_name: str) -> None:
    assert_fully_masked(run(f"{{{{ secret('k') is {test_name} }}}}"))


def test_seed_example_jq_token_is_masked() -> None:
    result = run("{{ secret('jsonSecret') | jq('.token') }}")
    assert result.text == json.dumps([TOKEN])
    assert TOKEN in result.tainted
    assert TOKEN not in mask(result.text, result.tainted)


def test_set_from_jq_then_upper_is_masked() -> None:
    result = run("{% set t = secret('json') | jq('.token') | first %}{{ t | upper }}")
    assert result.text == TOKEN.upper()
    assert TOKEN.upper() in result.tainted
    assert mask("log: " + result.text, result.tainted) == "log: " + MASK


def test_concatenation_registers_the_whole_and_text_around_stays() -> None:
    result = run("Authorization: {{ 'Bearer ' ~ secret('k') }} done")
    assert result.text == f"Authorization: Bearer {PLAIN} done"
    assert "Bearer " + PLAIN in result.tainted
    assert mask(result.text, result.tainted) == f"Authorization: {MASK} done"


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("{{ fromJson(secret('json')).token }}", id="dot-into-tainted-map"),
        pytest.param("{{ fromJson(secret('json'))['token'] }}", id="bracket-into-tainted-map"),
        pytest.param("{{ secret('k') + 1 }}", id="plus-concatenates"),
        pytest.param("{{ secret('num') | number * 2 }}", id="arithmetic"),
        pytest.param("{{ -(secret('num') | number) }}", id="unary-minus"),
        pytest.param("{{ secret('k') == 'x' }}", id="comparison"),
        pytest.param("{{ secret('k') contains 'Pw' }}", id="contains"),
        pytest.param("{{ secret('k') ?? 'x' }}", id="null-coalescing"),
        pytest.param("{{ true ? secret('k') : 'x' }}", id="ternary-branch"),
        pytest.param("{{ [secret('k'), 'plain'] }}", id="list-literal"),
        pytest.param("{{ \"Bearer #{secret('k')}\" }}", id="string-interpolation"),
        pytest.param("{{ {'a': secret('k')} }}", id="map-literal"),
        pytest.param("{{ [secret('k')] | first }}", id="element-of-list-literal"),
        pytest.param("{% set x = secret('k') %}{{ x }}", id="set"),
        pytest.param("{% set x = secret('k') %}{% set y = x %}{{ y | lower }}", id="set-chain"),
        pytest.param("{{ secret('k') | slice(2, 5) | upper }}", id="slice-then-upper"),
        pytest.param("{{ secret('json') | jq('.token') | first | sha256 }}", id="jq-hash"),
        pytest.param("{{ render('{{ s }}!') }}", id="render-of-tainted-variable"),
        pytest.param("{{ render(tpl) }}", id="render-of-plain-template-calling-secret"),
        pytest.param("{% filter upper %}{{ secret('k') }}{% endfilter %}", id="filter-block"),
        pytest.param(
            "{{ 'abc' | replace({'a': secret('k')}) | upper | lower }}", id="chain-mid-arg"
        ),
        pytest.param("{{ 'ab' | upper | replace({'A': s}) | trim }}", id="chain-variable-arg"),
        pytest.param("{{ fromJson(secret('list')) | join(',') | upper }}", id="chain-deep-value"),
        pytest.param("{{ [s, 'x'] | join('-') | upper | trim }}", id="chain-nested-mark"),
        pytest.param("{{ nope | default(secret('k')) | upper | lower }}", id="chain-after-default"),
        pytest.param("{{ secret('k') isIn ['a', 'b'] }}", id="isIn"),
        pytest.param("{{ 'x' not isIn [secret('k')] }}", id="not-isIn"),
        pytest.param("{{ fromJson(secret('list')) | keys }}", id="keys-of-list"),
        pytest.param("{{ s2[missing].x ?? secret('k') }}", id="coalesce-undefined-key"),
        pytest.param("{{ {'a': secret('k')}[missing] ?? s }}", id="coalesce-tainted-fallback"),
        pytest.param("{{ fromJson(secret('json'))[k] ?? 'x' }}", id="coalesce-key-into-secret"),
        pytest.param("{{ render({'a': '{{ s }}'}) }}", id="render-map"),
        pytest.param("{{ render(['{{ s | upper }}']) }}", id="render-list"),
        pytest.param("{{ renderOnce(['{{ s }}']) }}", id="renderOnce-list"),
        pytest.param("{{ render({'{{ s }}': 1}) }}", id="render-map-key"),
        pytest.param("{{ render(fromJson(secret('json'))) }}", id="render-secret-map"),
        pytest.param("{% block b %}{{ secret('k') }}{% endblock %}", id="block-tag"),
        pytest.param(
            "{{ block('b') | upper }}{% if false %}{% block b %}{{ secret('k') }}{% endblock %}"
            "{% endif %}",
            id="block-function",
        ),
        pytest.param(
            "{% set v = block('b') %}{% block b %}{% endblock %}{{ v }}{{ s }}", id="block-set"
        ),
        pytest.param("{{ secret('date') | date('G QQQ W F K k A n O') }}", id="date-new-letters"),
        pytest.param(
            "{{ secret('rfc') | date(existingFormat='rfc_1123_date_time') }}", id="date-rfc-1123"
        ),
        pytest.param(
            "{% macro m(v) %}<{{ v }}>{% endmacro %}{{ m(secret('k')) }}", id="macro-argument"
        ),
    ],
)
def test_operators_and_structures_propagate_taint(template: str) -> None:
    result = run(
        template,
        {"s": taint(PLAIN), "tpl": "{{ secret('k') | upper }}", "s2": {}, "k": "token"},
    )
    assert_fully_masked(result)


def test_a_block_printed_twice_is_masked_both_times() -> None:
    result = run("{% block b %}<{{ secret('k') }}>{% endblock %}{{ block('b') | upper }}")
    assert result.text == f"<{PLAIN}><{PLAIN.upper()}>"
    masked = mask(result.text, result.tainted)
    assert PLAIN not in masked and PLAIN.upper() not in masked
    assert set(masked) <= set(MASK + "<>")


def test_render_data_refuses_secrets_when_not_allowed() -> None:
    with pytest.raises(ExpressionError, match=SECRET_NOT_ALLOWED):
        render_data({"a": ["{{ secret('k') }}"]}, {}, functions=FUNCTIONS, allow_secrets=False)


def test_render_function_keeps_secrets_refused() -> None:
    with pytest.raises(ExpressionError):
        render(
            "{{ render(t) }}", {"t": "{{ secret('k') }}"}, functions=FUNCTIONS, allow_secrets=False
        )


def test_loop_variables_over_a_tainted_collection_are_tainted() -> None:
    result = run("{% for x in fromJson(secret('list')) %}[{{ x }}]{% endfor %}")
    items = json.loads(SECRETS["list"])
    assert result.text == "".join(f"[{x}]" for x in items)
    assert set(items) <= result.tainted
    assert mask(result.text, result.tainted) == f"[{MASK}]" * len(items)


def test_loop_key_value_over_a_tainted_map_are_tainted() -> None:
    result = run("{% for k, v in fromJson(secret('json')) %}{{ v | upper }};{% endfor %}")
    assert TOKEN.upper() in result.tainted


def test_tainted_variables_from_the_caller() -> None:
    pw = "in-" + secrets.token_hex(6)
    variables = {"inputs": {"pw": taint(pw), "user": "bob"}}
    result = render_typed("{{ inputs.user }}:{{ inputs.pw | upper }}", variables)
    assert result.text == f"bob:{pw.upper()}"
    assert result.tainted == {pw.upper()}
    whole = render_typed("{{ inputs }}", variables)
    assert whole.value == {"pw": pw, "user": "bob"}
    assert pw in whole.tainted and whole.text in whole.tainted


def test_typed_value_is_unwrapped_plain_data() -> None:
    result = run("{{ fromJson(secret('json')) }}")
    assert result.value == json.loads(SECRETS["json"])
    assert not is_tainted(result.value)
    assert TOKEN in result.tainted


def test_untainted_output_reports_nothing() -> None:
    result = run("{{ 'a' | upper }} {% for x in [1, 2] %}{{ x }}{% endfor %}")
    assert result.tainted == frozenset()


def test_implicit_flow_is_not_tracked_and_this_is_documented() -> None:
    # The engine guarantees data flow only: a branch chosen by a secret prints
    # unmarked text. The linter warns about secrets in conditions instead.
    result = run("{% if secret('k') | startsWith('Pw') %}yes{% endif %}")
    assert result.text == "yes"
    assert result.tainted == frozenset()


def test_render_data_unions_taint_and_keeps_types() -> None:
    data = {
        "auth": "{{ secret('k') }}",
        "list": ["{{ secret('k') | upper }}", 3, "{{ 1 + 1 }}"],
        "{{ 'key' | upper }}": True,
    }
    result = render_data(data, {}, functions=FUNCTIONS)
    assert result.value == {"auth": PLAIN, "list": [PLAIN.upper(), 3, 2], "KEY": True}
    assert {PLAIN, PLAIN.upper()} <= result.tainted


# --- the wrapper cannot be used as a plain value by accident ----------------


def test_tainted_wrapper_prints_as_a_mask_and_refuses_plain_use() -> None:
    marked = taint(PLAIN)
    assert PLAIN not in str(marked) and PLAIN not in repr(marked) and PLAIN not in f"{marked}"
    with pytest.raises(TypeError):
        bool(marked)
    with pytest.raises(TypeError):
        _ = marked == PLAIN
    with pytest.raises(TypeError):
        hash(marked)
    with pytest.raises(TypeError):
        len(marked)  # type: ignore[arg-type]
    assert isinstance(marked, Tainted) and not isinstance(marked, str)
    assert is_tainted({"a": [marked]}) and not is_tainted({"a": [PLAIN]})


# --- errors never quote a secret ---------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("{{ secret('k') | number }}", id="number"),
        pytest.param("{{ secret('k') | base64decode }}", id="base64decode"),
        pytest.param("{{ secret('k') | jq('.a') }}", id="jq-not-json"),
        pytest.param("{{ secret('json') | jq('.[') }}", id="jq-bad-program"),
        pytest.param("{{ secret('k') | date }}", id="date"),
        pytest.param("{{ secret('k') * 2 }}", id="multiply"),
        pytest.param("{{ secret('k') < 2 }}", id="compare"),
        pytest.param("{{ fromJson(secret('k')) }}", id="fromJson"),
        pytest.param("{{ {'a': 1}[secret('k')] }}", id="missing-tainted-key"),
        pytest.param("{{ fromJson(secret('json')).nope }}", id="missing-attr-of-secret"),
        pytest.param("{{ render(secret('k') ~ '{{ nope }}') }}", id="render-undefined"),
        pytest.param("{{ render(secret('k') ~ '{{') }}", id="render-syntax-error"),
        pytest.param("{{ secret('k') | slice(0, 999) }}", id="slice-range"),
        pytest.param("{% for x in secret('k') %}{% endfor %}", id="for-over-string"),
        pytest.param("{{ secret('k') | regexReplace('(', 'x') }}", id="bad-regex"),
        pytest.param("{{ fromIon(secret('k') ~ '{') }}", id="fromIon-invalid"),
        pytest.param("{{ fromIon(secret('ion')).nope }}", id="fromIon-missing-attr"),
        pytest.param(
            "{{ fromJson(secret('json'))[secret('k')] }}", id="missing-key-named-by-source"
        ),
        pytest.param("{{ secret('k') < 'a' }}", id="string-compare"),
        pytest.param("{{ secret('k') | keys }}", id="keys-of-string"),
        pytest.param("{{ secret('k') | merge([1]) }}", id="merge-wrong-type"),
        pytest.param("{{ [1] | merge(secret('k')) }}", id="merge-wrong-argument"),
        pytest.param("{{ fromJson(secret('list')) | sha256 }}", id="hash-of-list"),
        pytest.param("{{ secret('k') | numberFormat }}", id="numberFormat-of-string"),
        pytest.param("{{ block(secret('k')) }}", id="block-secret-name"),
        pytest.param("{{ fromJson(secret('json')) | toIon | fromIon }}", id="fromIon-as-filter"),
    ],
)
def test_errors_never_contain_a_secret(template: str) -> None:
    with pytest.raises(ExpressionError) as info:
        run(template)
    message = str(info.value)
    for value in (PLAIN, TOKEN, SECRETS["json"]):
        assert value not in message
        assert value not in (info.value.source or "")
    assert "line 1" in message


def test_allow_secrets_false_refuses_secret() -> None:
    with pytest.raises(ExpressionError) as info:
        render("a {{ secret('k') }}", {}, functions=FUNCTIONS, allow_secrets=False)
    assert str(info.value) == SECRET_NOT_ALLOWED
    assert (info.value.line, info.value.column) == (1, 6)


def test_secret_without_a_provider_is_a_clear_error() -> None:
    with pytest.raises(ExpressionError, match="'secret' function is not available"):
        render("{{ secret('k') }}", {})


def test_secret_not_found_propagates_as_itself() -> None:
    with pytest.raises(SecretNotFound, match="'missing' not found"):
        render("{{ secret('missing') }}", {}, functions=FUNCTIONS)


def test_other_provider_errors_become_expression_errors_without_internals() -> None:
    hidden = "internal-" + secrets.token_hex(4)

    def broken(key: str, **kwargs: Any) -> str:
        raise KeyError(hidden)

    with pytest.raises(ExpressionError) as info:
        render("{{ secret('k') }}", {}, functions={"secret": broken})
    assert hidden not in str(info.value) and "KeyError" not in str(info.value)


def test_secret_named_arguments_reach_the_provider() -> None:
    seen: list[tuple[str, str | None, str | None]] = []

    def provider(key: str, namespace: str | None = None, subkey: str | None = None) -> str:
        seen.append((key, namespace, subkey))
        return PLAIN

    result = render_typed(
        "{{ secret('k', subkey='token') }}{{ secret('k', 'ns.a') }}",
        {},
        functions={"secret": provider},
    )
    assert seen == [("k", None, "token"), ("k", "ns.a", None)]
    assert PLAIN in result.tainted


def test_secret_return_is_tainted_even_if_the_provider_did_not_mark_it() -> None:
    result = render_typed("{{ secret('k') }}", {}, functions={"secret": lambda key, **kw: PLAIN})
    assert result.tainted == {PLAIN}


# --- a filter author cannot lose taint -----------------------------------------


@pytest.fixture
def custom_filter() -> Any:
    seen: list[Any] = []

    @REGISTRY.filter("testOnlyWrap")
    def wrap(value: Any, extra: Any = None) -> Any:
        seen.append((value, extra))
        return {"wrapped": [len(str(value)), extra]}

    yield seen
    del REGISTRY.filters["testOnlyWrap"]


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("{{ secret('k') | testOnlyWrap }}", id="piped"),
        pytest.param("{{ 'x' | testOnlyWrap(secret('k')) }}", id="argument"),
        pytest.param("{{ 'x' | testOnlyWrap({'a': [secret('k')]}) }}", id="nested-in-argument"),
        pytest.param("{{ {'v': s} | testOnlyWrap }}", id="nested-caller-variable"),
    ],
)
def test_a_new_filter_gets_plain_values_and_its_result_is_tainted(
    custom_filter: list[Any], template: str
) -> None:
    result = run(template, {"s": taint(PLAIN)})
    assert_fully_masked(result)
    assert custom_filter and not any(is_tainted(item) for item in custom_filter)


def test_render_that_never_settles_fails_without_the_secret() -> None:
    with pytest.raises(ExpressionError) as info:
        run("{{ render(secret('k') ~ a) }}", {"a": "{{ b }}", "b": "{{ a }}"})
    message = str(info.value)
    assert message.startswith("Too many rendering attempts")
    assert PLAIN not in message
    assert PLAIN not in (info.value.source or "")


def test_to_ion_of_a_secret_map_masks_every_leaf() -> None:
    result = run("{{ fromJson(secret('json')) | toIon }}")
    assert TOKEN in result.text
    assert TOKEN not in mask(result.text, result.tainted)


def test_from_ion_of_secret_text_is_tainted_and_masked() -> None:
    result = run("{{ fromIon(secret('ion')).token }}")
    assert result.text == TOKEN
    assert_fully_masked(result)
