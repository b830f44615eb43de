"""Adversarial: plant generated secrets and prove no path lets one out in clear.

Each test runs a real flow on SQLite and PostgreSQL and searches the stored
execution, task runs and logs (and, for SQLite, the raw database file) for the
secret and its encodings.
"""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest
from tests.engine.conftest import Runner, fake_secret

from hushflow.models import State

pytestmark = pytest.mark.usefixtures("db_url")


def forms(value: str) -> list[str]:
    """The clear value and the encodings a leak would most likely take."""
    return [
        value,
        base64.b64encode(value.encode()).decode(),
        value.upper(),
        urllib.parse.quote(value),
        value.encode().hex(),
    ]


def assert_hidden(text: str, value: str) -> None:
    for form in forms(value):
        assert form not in text, "a secret form leaked"


def test_kestra_best_practices_flow_masks_the_jq_extracted_token(run_flow: Runner) -> None:
    token = fake_secret("tok")
    run = run_flow(
        """
        id: secret_test
        namespace: company.team
        tasks:
          - id: hello
            type: io.kestra.plugin.core.log.Log
            message: "You can see my secret token {{ secret('jsonSecret') | jq('.token') | first }}"
        """,
        secrets={"jsonSecret": json.dumps({"token": token})},
    )
    assert run.execution.state == State.SUCCESS
    assert run.messages == ["You can see my secret token ****"]
    assert_hidden(run.everything(), token)


@pytest.mark.parametrize(
    "expression",
    [
        "secret('K')",
        "secret('K') | upper",
        "secret('K') | base64encode",
        "secret('K') | substring(3, 15)",
        "'prefix-' ~ secret('K') ~ '-suffix'",
        "secret('K') | replace({'s-': 'x-'})",
        "secret('K') | urlencode",
        "[secret('K')] | toJson",
        "secret('K') | sha256",
    ],
    ids=[
        "plain",
        "upper",
        "base64",
        "substring",
        "concat",
        "replace",
        "urlencode",
        "json",
        "sha256",
    ],
)
def test_derived_values_are_masked_in_logs_and_outputs(run_flow: Runner, expression: str) -> None:
    value = fake_secret()
    run = run_flow(
        f"""
        id: derive
        namespace: company.team
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "derived: {{{{ {expression} }}}}"
          - id: ret
            type: io.kestra.plugin.core.debug.Return
            format: "{{{{ {expression} }}}}"
        outputs:
          - id: out
            type: STRING
            value: "{{{{ outputs.ret.value }}}}"
        """,
        secrets={"K": value},
    )
    assert run.execution.state == State.SUCCESS, run.messages
    assert "derived: ****" in run.messages
    assert run.execution.outputs == {"out": "****"}
    assert_hidden(run.everything(), value)


def test_set_variable_and_loop_keep_the_taint(run_flow: Runner) -> None:
    value = fake_secret()
    run = run_flow(
        """
        id: tags
        namespace: company.team
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "{% set t = secret('K') | jq('.a') | first %}{% for c in [t] %}[{{ c | upper }}]{% endfor %}"
        """,
        secrets={"K": json.dumps({"a": value})},
    )
    assert run.messages == ["[****]"]
    assert_hidden(run.everything(), value)


def test_a_secret_in_an_error_message_is_masked(run_flow: Runner) -> None:
    value = fake_secret()
    run = run_flow(
        """
        id: fail
        namespace: company.team
        tasks:
          - id: boom
            type: io.kestra.plugin.core.execution.Fail
            errorMessage: "could not log in with {{ secret('K') }}"
        """,
        secrets={"K": value},
    )
    assert run.execution.state == State.FAILED
    assert "could not log in with ****" in run.messages
    assert_hidden(run.everything(), value)


def test_a_secret_resolved_once_is_masked_in_every_later_task(run_flow: Runner) -> None:
    value = fake_secret()
    run = run_flow(
        """
        id: later
        namespace: company.team
        inputs:
          - id: same
            type: STRING
        tasks:
          - id: resolve
            type: io.kestra.plugin.core.debug.Return
            format: "resolved {{ secret('K') }}"
          - id: echo
            type: io.kestra.plugin.core.log.Log
            message: "input says {{ inputs.same }}"
        """,
        inputs={"same": value},
        secrets={"K": value},
    )
    assert "input says ****" in run.messages
    assert value not in "\n".join(run.messages)


def test_secret_input_is_masked_everywhere(run_flow: Runner) -> None:
    value = fake_secret("pw")
    run = run_flow(
        """
        id: secret-input
        namespace: company.team
        inputs:
          - id: password
            type: SECRET
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "pw={{ inputs.password }} up={{ inputs.password | upper }}"
          - id: ret
            type: io.kestra.plugin.core.debug.Return
            format: "{{ inputs.password | base64encode }}"
        """,
        inputs={"password": value},
    )
    assert run.messages[0] == "pw=**** up=****"
    assert run.execution.inputs == {"password": "****"}
    assert_hidden(run.everything(), value)


def test_switch_on_a_secret_does_not_store_it(run_flow: Runner) -> None:
    value = fake_secret()
    run = run_flow(
        """
        id: switch
        namespace: company.team
        tasks:
          - id: sw
            type: io.kestra.plugin.core.flow.Switch
            value: "{{ secret('K') }}"
            cases:
              nope:
                - {id: a, type: io.kestra.plugin.core.log.Log, message: a}
            defaults:
              - {id: b, type: io.kestra.plugin.core.log.Log, message: b}
        """,
        secrets={"K": value},
    )
    assert run.execution.state == State.SUCCESS
    assert run.execution.task_runs[0].outputs == {"value": "****", "defaults": True}
    assert_hidden(run.everything(), value)


def test_foreach_over_a_json_secret_masks_values_but_tasks_can_use_them(run_flow: Runner) -> None:
    first, second = fake_secret("a"), fake_secret("b")
    run = run_flow(
        """
        id: each
        namespace: company.team
        tasks:
          - id: each
            type: io.kestra.plugin.core.flow.ForEach
            values: "{{ secret('LIST') | jq('.[]') }}"
            tasks:
              - id: len
                type: io.kestra.plugin.core.debug.Return
                format: "{{ taskrun.value | length }} {{ taskrun.value }}"
              - id: nested
                type: io.kestra.plugin.core.flow.Sequential
                tasks:
                  - id: inner
                    type: io.kestra.plugin.core.debug.Return
                    runIf: "{{ taskrun.value | length > 10 }}"
                    format: "used in clear"
        """,
        secrets={"LIST": json.dumps([first, second])},
    )
    assert run.execution.state == State.SUCCESS, run.messages
    values = [r.outputs["value"] for r in run.execution.task_runs if r.task_id == "len"]
    # "<length> <value>": the length is too short to mask alone, so the whole render is masked.
    assert values == ["****", "****"]
    # the nested task decided on the clear value (its runIf), and ran
    inner = [(r.state, r.outputs) for r in run.execution.task_runs if r.task_id == "inner"]
    assert inner == [(State.SUCCESS, {"value": "used in clear"})] * 2
    assert_hidden(run.everything(), first)
    assert_hidden(run.everything(), second)


def test_subflow_input_from_a_secret_is_masked_in_the_child(run_flow: Runner) -> None:
    value = fake_secret()
    child = """
        id: child
        namespace: company.team
        inputs:
          - id: token
            type: STRING
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "child got {{ inputs.token }}"
        outputs:
          - id: echoed
            type: STRING
            value: "{{ inputs.token }}"
        """
    run = run_flow(
        """
        id: parent
        namespace: company.team
        tasks:
          - id: call
            type: io.kestra.plugin.core.flow.Subflow
            namespace: company.team
            flowId: child
            inputs:
              token: "{{ secret('K') }}"
        """,
        secrets={"K": value},
        deploy=[child],
    )
    assert run.execution.state == State.SUCCESS, run.messages
    child_id = run.execution.task_runs[0].outputs["executionId"]
    child_ex = run.engine.executions.get(child_id)
    child_logs = [e.message for e in run.engine.logs.for_execution(child_id)]
    assert child_logs == ["child got ****"]
    assert child_ex.inputs == {"token": "****"}
    assert child_ex.outputs == {"echoed": "****"}
    assert_hidden(run.everything() + child_ex.model_dump_json(), value)


def test_an_undefined_secret_fails_the_task_with_a_clear_message(run_flow: Runner) -> None:
    run = run_flow(
        """
        id: missing
        namespace: company.team
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "{{ secret('NOPE') }}"
        """
    )
    assert run.execution.state == State.FAILED
    assert any("Cannot find secret for key 'NOPE'" in m for m in run.messages), run.messages


def test_a_piece_of_a_secret_too_short_to_mask_is_refused_when_printed_alone(
    run_flow: Runner,
) -> None:
    value = fake_secret()
    run = run_flow(
        """
        id: piece
        namespace: company.team
        tasks:
          - id: length
            type: io.kestra.plugin.core.log.Log
            message: "{{ secret('K') | length }}"
        """,
        secrets={"K": value},
    )
    assert run.execution.state == State.FAILED
    assert any("too short to be masked" in m for m in run.messages)
    assert str(len(value)) not in run.messages


def test_a_secret_too_short_to_mask_is_refused_not_leaked(run_flow: Runner) -> None:
    run = run_flow(
        """
        id: short
        namespace: company.team
        tasks:
          - id: log
            type: io.kestra.plugin.core.log.Log
            message: "short={{ secret('TINY') }}"
        """,
        secrets={"TINY": "q7"},
    )
    assert run.execution.state == State.FAILED
    assert not any("short=" in m for m in run.messages)
    assert any("shorter than" in m for m in run.messages)


def test_a_number_inside_a_json_secret_is_masked_in_stored_outputs(run_flow: Runner) -> None:
    run = run_flow(
        """
        id: pin
        namespace: company.team
        tasks:
          - id: whole
            type: io.kestra.plugin.core.output.OutputValues
            values:
              creds: "{{ json(secret('J')) }}"
        """,
        secrets={"J": json.dumps({"user": "svc-reporting", "pin": 48291})},
    )
    assert run.execution.state == State.SUCCESS, run.messages
    assert "48291" not in run.everything()
