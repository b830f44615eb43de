"""Reading flows: valid ones parse, each kind of mistake gets one located, helpful message."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hushflow.errors import FlowValidationError
from hushflow.models import parse_flow
from hushflow.tasks.core import Log

ONE_LOG = "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: m\n"


def flow_text(body: str) -> str:
    return "id: hello\nnamespace: company.team\n" + textwrap.dedent(body)


def problems(text: str) -> list[str]:
    with pytest.raises(FlowValidationError) as info:
        parse_flow(text, "flows/x.yml")
    return info.value.lines()


def test_a_minimal_flow_parses() -> None:
    flow = parse_flow(
        flow_text("tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n")
    )
    assert flow.namespace == "company.team"
    assert isinstance(flow.tasks[0], Log)
    assert flow.tasks[0].message == "hi"


def test_unknown_property_is_located_and_suggests_the_right_name() -> None:
    text = flow_text(
        """\
        tasks:
          - id: hello
            type: io.kestra.plugin.core.log.Log
            message: hi
            mesage: typo
        """
    )
    assert problems(text) == [
        "flows/x.yml:7:5: task 'hello': unknown property 'mesage' (did you mean 'message'?)"
    ]


def test_unknown_task_type_names_a_close_known_type() -> None:
    text = flow_text("tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Lgo\n    message: x\n")
    [line] = problems(text)
    assert line.startswith(
        "flows/x.yml:4:5: task 'a': unknown task type 'io.kestra.plugin.core.log.Lgo'"
    )
    assert "io.kestra.plugin.core.log.Log" in line


def test_unknown_task_type_without_a_close_match_lists_the_known_types() -> None:
    [line] = problems(flow_text("tasks:\n  - id: a\n    type: com.example.Nothing\n"))
    assert "known types:" in line and "io.kestra.plugin.core.flow.ForEach" in line


def test_duplicate_task_id_is_an_error() -> None:
    text = flow_text(
        """\
        tasks:
          - id: a
            type: io.kestra.plugin.core.log.Log
            message: one
          - id: seq
            type: io.kestra.plugin.core.flow.Sequential
            tasks:
              - id: a
                type: io.kestra.plugin.core.log.Log
                message: two
        """
    )
    [line] = problems(text)
    assert "duplicate task id 'a'" in line


def test_malformed_yaml_gives_line_and_column() -> None:
    [line] = problems("id: x\nnamespace: a\ntasks: [\n  - id: a\n")
    assert line.startswith("flows/x.yml:") and "invalid YAML" in line


def test_duplicate_yaml_key_is_refused() -> None:
    [line] = problems(flow_text(ONE_LOG.replace("  - id: a\n", "  - id: a\n    id: b\n")))
    assert "duplicate key 'id'" in line and line.startswith("flows/x.yml:5:5")


@pytest.mark.parametrize(
    "namespace", ["Company.team", "company..team", ".company", "company.", "com pany"], ids=str
)
def test_bad_namespaces_are_refused(namespace: str) -> None:
    text = f"id: x\nnamespace: '{namespace}'\n" + ONE_LOG
    [line] = problems(text)
    assert "invalid namespace" in line


def test_missing_required_property_is_named() -> None:
    [line] = problems(flow_text("tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n"))
    assert line == "flows/x.yml:4:5: task 'a': missing required property 'message'"


def test_flow_without_tasks_is_refused() -> None:
    [line] = problems("id: x\nnamespace: a\n")
    assert "tasks" in line


def test_labels_as_list_of_key_values() -> None:
    text = flow_text("labels:\n  - key: team\n    value: data\n" + ONE_LOG)
    assert parse_flow(text).labels == {"team": "data"}


def test_plugin_defaults_fill_missing_properties() -> None:
    text = flow_text(
        """\
        pluginDefaults:
          - type: io.kestra.plugin.core.log.Log
            values:
              message: from defaults
        tasks:
          - id: a
            type: io.kestra.plugin.core.log.Log
          - id: b
            type: io.kestra.plugin.core.log.Log
            message: own
        """
    )
    flow = parse_flow(text)
    assert [t.message for t in flow.tasks] == ["from defaults", "own"]  # type: ignore[attr-defined]


def test_oversized_source_is_refused_cleanly() -> None:
    [line] = problems("id: x\n" + "#" * 1_100_000)
    assert "larger than" in line


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_raises_anything_but_a_validation_error(text: str) -> None:
    try:
        parse_flow(text, "f.yml")
    except FlowValidationError as exc:
        assert exc.lines()


def test_a_yaml_boolean_where_text_is_expected_says_to_quote_it() -> None:
    [line] = problems(
        flow_text("tasks:\n  - id: true\n    type: io.kestra.plugin.core.log.Log\n    message: m\n")
    )
    assert "quote the value" in line and line.startswith("flows/x.yml:4:5")


def test_flows_are_read_with_the_yaml_1_2_core_schema() -> None:
    # As Kestra reads them: yes/no/on/off are strings, only true/false are booleans.
    text = (
        "id: no\nnamespace: company.team\nlabels:\n  on: x\n  value: yes\n  off: 'q'\n"
        "variables:\n  d: 2024-01-01\n  t: 1:30\n  o: 0o17\n  i: 017\n  b: True\n  y: y\n"
        "tasks:\n  - id: on\n    type: io.kestra.plugin.core.log.Log\n    message: yes\n"
    )
    flow = parse_flow(text, "flows/x.yml")
    assert flow.id == "no"
    assert flow.tasks[0].id == "on"
    assert flow.variables == {"d": "2024-01-01", "t": "1:30", "o": 15, "i": 17, "b": True, "y": "y"}


def test_core_schema_keeps_positions_exact() -> None:
    lines = problems(
        "id: no\nnamespace: company.team\ntasks:\n  - id: off\n"
        "    type: io.kestra.plugin.core.log.Log\n    mesage: yes\n"
    )
    assert lines == [
        "flows/x.yml:4:5: task 'off': missing required property 'message'",
        "flows/x.yml:6:5: task 'off': unknown property 'mesage' (did you mean 'message'?)",
    ]
