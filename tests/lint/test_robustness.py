"""The linter never crashes: any YAML map, any string, any half-written expression."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hushflow.errors import FlowValidationError
from hushflow.lint import lint_source

FRAGMENTS = [
    "{{ secret('K') }}", "{{ secret(", "{% set x = secret('K') %}{{ x }}", "{{ vars.a }}",
    "{{ inputs.p | jq('.a') }}", "{% if secret('K') %}y{% endif %}", "{{ outputs.t.value }}",
    "{% for i in secret('K') | split(',') %}{{ i }}{% endfor %}", "}}", "{%", "#{", "'", "\"",
    "password", "Bearer abc", "AKIA", "# hushflow: ignore[secret-in-log] r", "\n", " ", "é",
    "{{ render(vars) }}", "{{ fromJson(secret('J')).a[0] }}", "{{ taskrun.value }}",
]  # fmt: skip
TEXT = st.lists(st.sampled_from(FRAGMENTS), max_size=6).map("".join)
KEYS = st.sampled_from(
    ["id", "type", "message", "format", "commands", "env", "values", "inputs", "condition",
     "runIf", "tasks", "then", "value", "key", "password", "Authorization", "variables"]
)  # fmt: skip
TYPES = st.sampled_from(
    ["io.kestra.plugin.core.log.Log", "io.kestra.plugin.core.debug.Return",
     "io.kestra.plugin.scripts.shell.Commands", "io.kestra.plugin.core.flow.If",
     "io.kestra.plugin.core.kv.Set", "io.kestra.plugin.core.flow.Subflow", "STRING", "SECRET"]
)  # fmt: skip
VALUES = st.recursive(
    st.one_of(TEXT, st.integers(), st.booleans(), st.none(), TYPES),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25,
)
FLOW = st.fixed_dictionaries(
    {"id": st.just("f"), "namespace": st.sampled_from(["company.team", "tests", "a"])},
    optional={
        "tasks": st.lists(st.dictionaries(KEYS, VALUES, max_size=6), max_size=4),
        "variables": st.dictionaries(KEYS, VALUES, max_size=3),
        "inputs": st.lists(st.fixed_dictionaries({"id": KEYS, "type": TYPES}), max_size=3),
        "outputs": st.lists(st.dictionaries(KEYS, VALUES, max_size=3), max_size=2),
    },
)


@settings(max_examples=100, deadline=None)
@given(FLOW, st.sampled_from([None, "'", '"', "|"]))
def test_any_flow_shape_lints_without_a_crash(data: dict[str, object], style: str | None) -> None:
    source = yaml.safe_dump(data, default_style=style, allow_unicode=True, sort_keys=False)
    for finding in lint_source(source):
        assert finding.line >= 1 and finding.column >= 1


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_findings_or_a_positioned_error(text: str) -> None:
    try:
        lint_source(text)
    except FlowValidationError as exc:
        assert exc.problems


def test_a_string_the_parser_chokes_on_is_reported_not_raised() -> None:
    source = "id: f\nnamespace: a\nvariables:\n  v: '{{ secret(\u00e9'\n"
    assert [f.rule for f in lint_source(source)] == ["expression-invalid"]
