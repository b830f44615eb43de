"""Red-team findings: paths by which a planted secret (or a >= 6-character
piece or transform of it) once reached stored or printed data in clear.

Each test reproduces a leak found by an adversarial review and now fixed;
they stay as regression tests.
"""

from __future__ import annotations

import pytest
from tests.engine.conftest import Runner

pytestmark = pytest.mark.usefixtures("db_url")


def _pieces(value: str, size: int = 6) -> list[str]:
    return [value[i : i + size] for i in range(len(value) - size + 1)]


def assert_no_piece(text: str, value: str) -> None:
    """Neither the value, nor its reverse/upper form, nor any 6-char piece of it."""
    for form in [value, value[::-1], value.upper(), *_pieces(value)]:
        assert form not in text, f"a piece of the secret leaked: {form!r}"


# -- 1. a float computed from a secret, stored as a JSON number ---------------


def test_float_from_secret_in_task_output(run_flow: Runner) -> None:
    secret = "1234567890"
    run = run_flow(
        """
        id: float_out
        namespace: rt
        tasks:
          - id: a
            type: io.kestra.plugin.core.output.OutputValues
            values:
              n: "{{ secret('ACCT') | number / 10.0 }}"
        """,
        secrets={"ACCT": secret},
    )
    assert_no_piece(run.everything(), secret)


def test_float_from_secret_in_string_flow_output(run_flow: Runner) -> None:
    secret = "1234567890"
    run = run_flow(
        """
        id: float_flow_out
        namespace: rt
        tasks:
          - id: a
            type: io.kestra.plugin.core.log.Log
            message: hi
        outputs:
          - id: o
            type: STRING
            value: "{{ secret('ACCT') | number / 10.0 }}"
        """,
        secrets={"ACCT": secret},
    )
    assert_no_piece(run.everything(), secret)


# -- 2. fragments shorter than the masker's min_length --------------------------


def test_reversed_characters_loop(run_flow: Runner) -> None:
    secret = "tok-9f8e7d6c5b4a"
    run = run_flow(
        """
        id: rev_loop
        namespace: rt
        tasks:
          - id: l
            type: io.kestra.plugin.core.log.Log
            message: "{% for c in secret('TOKEN') | split('') | reverse %}{{ c }}{% endfor %}"
        """,
        secrets={"TOKEN": secret},
    )
    assert secret[::-1] not in run.everything()


def test_short_substrings_with_separators(run_flow: Runner) -> None:
    secret = "tok-9f8e7d6c5b4a"
    run = run_flow(
        """
        id: short_pieces
        namespace: rt
        tasks:
          - id: l
            type: io.kestra.plugin.core.log.Log
            message: "{% for c in secret('TOKEN') | split('') %}{{ c }} {% endfor %}"
        """,
        secrets={"TOKEN": secret},
    )
    spaced = " ".join(secret)
    assert spaced not in "\n".join(run.messages)


# -- 3. a SECRET input shorter than 4 characters ----------------------------------


def test_short_secret_input_is_refused_not_shown(run_flow: Runner) -> None:
    value = "q7x"
    try:
        run = run_flow(
            """
            id: short_input
            namespace: rt
            inputs:
              - id: pin
                type: SECRET
            tasks:
              - id: r
                type: io.kestra.plugin.core.debug.Return
                format: "pin={{ inputs.pin }}"
            """,
            inputs={"pin": value},
        )
    except Exception:
        return  # refused: what the README promises
    assert f"pin={value}" not in run.everything()


# -- 4. Subflow: labels and inputs -------------------------------------------------

CHILD = """
id: child
namespace: rt
inputs:
  - id: x
    type: STRING
tasks:
  - id: l
    type: io.kestra.plugin.core.log.Log
    message: "child {{ inputs.x | upper }}"
outputs:
  - id: o
    type: STRING
    value: "{{ inputs.x | reverse }}"
"""


def test_subflow_labels_from_secret(run_flow: Runner) -> None:
    secret = "tok-9f8e7d6c5b4a"
    run = run_flow(
        """
        id: parent
        namespace: rt
        tasks:
          - id: s
            type: io.kestra.plugin.core.flow.Subflow
            namespace: rt
            flowId: child
            inputs:
              x: plain
            labels:
              team: "{{ secret('TOKEN') }}"
        """,
        secrets={"TOKEN": secret},
        deploy=[CHILD],
    )
    child_id = run.execution.task_runs[0].outputs["executionId"]
    child = run.engine.executions.get(child_id)
    assert secret not in child.model_dump_json()


def test_subflow_string_input_loses_taint(run_flow: Runner) -> None:
    secret = "tok-9f8e7d6c5b4a"
    run = run_flow(
        """
        id: parent
        namespace: rt
        tasks:
          - id: s
            type: io.kestra.plugin.core.flow.Subflow
            namespace: rt
            flowId: child
            inputs:
              x: "{{ secret('TOKEN') }}"
        """,
        secrets={"TOKEN": secret},
        deploy=[CHILD],
    )
    child_id = run.execution.task_runs[0].outputs["executionId"]
    child = run.engine.executions.get(child_id)
    child_logs = "\n".join(e.message for e in run.engine.logs.for_execution(child_id))
    text = run.everything() + child.model_dump_json() + child_logs
    assert secret.upper() not in text
    assert secret[::-1] not in text


# -- 5. error messages ----------------------------------------------------------


def test_secret_function_error_quotes_tainted_key(run_flow: Runner) -> None:
    secret = "tok-9f8e7d6c5b4a"
    run = run_flow(
        """
        id: nested_secret
        namespace: rt
        tasks:
          - id: l
            type: io.kestra.plugin.core.log.Log
            message: "{{ secret(secret('TOKEN') | reverse) }}"
        """,
        secrets={"TOKEN": secret},
    )
    assert secret[::-1] not in run.everything()


LONG = "jwt-" + "a1b2c3d4e5f6g7h8" * 20  # 324 characters, like a JWT or a PEM line


def test_long_secret_into_int_flow_output(run_flow: Runner) -> None:
    run = run_flow(
        """
        id: int_out
        namespace: rt
        tasks:
          - id: l
            type: io.kestra.plugin.core.log.Log
            message: hi
        outputs:
          - id: o
            type: INT
            value: "{{ secret('JWT') }}"
        """,
        secrets={"JWT": LONG},
    )
    assert LONG[:40] not in run.everything()


def test_long_secret_into_subflow_int_input(run_flow: Runner) -> None:
    child = """
    id: int_child
    namespace: rt
    inputs:
      - id: n
        type: INT
    tasks:
      - id: l
        type: io.kestra.plugin.core.log.Log
        message: hi
    """
    run = run_flow(
        """
        id: parent_int
        namespace: rt
        tasks:
          - id: s
            type: io.kestra.plugin.core.flow.Subflow
            namespace: rt
            flowId: int_child
            inputs:
              n: "{{ secret('JWT') }}"
        """,
        secrets={"JWT": LONG},
        deploy=[child],
    )
    assert LONG[:40] not in run.everything()


def test_datetime_output_error_quotes_rewritten_secret(run_flow: Runner) -> None:
    secret = "tokZ-9f8e7d6c5b4a"
    run = run_flow(
        """
        id: dt_out
        namespace: rt
        tasks:
          - id: l
            type: io.kestra.plugin.core.log.Log
            message: hi
        outputs:
          - id: o
            type: DATETIME
            value: "{{ secret('TOKEN') }}"
        """,
        secrets={"TOKEN": secret},
    )
    assert_no_piece(run.everything(), secret)


# -- 6. HTTP: the URL as httpx re-encodes it ---------------------------------------


def test_http_error_quotes_reencoded_url(run_flow: Runner) -> None:
    secret = "tok 9f8e@7d6c:5b4a"
    run = run_flow(
        """
        id: http_url
        namespace: rt
        tasks:
          - id: r
            type: io.kestra.plugin.core.http.Request
            uri: "http://127.0.0.1:9/x?token={{ secret('TOKEN') }}"
        """,
        secrets={"TOKEN": secret},
    )
    assert "9f8e@7d6c:5b4a" not in run.everything()


# -- 7. more sinks of the same root causes ----------------------------------------


def test_float_from_secret_in_script_env(run_flow: Runner) -> None:
    secret = "1234567890"
    run = run_flow(
        """
        id: script_env_float
        namespace: rt
        tasks:
          - id: s
            type: io.kestra.plugin.scripts.shell.Commands
            env:
              N: "{{ secret('ACCT') | number / 10.0 }}"
            commands:
              - echo "n=$N"
        """,
        secrets={"ACCT": secret},
    )
    assert_no_piece(run.everything(), secret)


def test_float_from_secret_in_return_map(run_flow: Runner) -> None:
    secret = "1234567890"
    run = run_flow(
        """
        id: return_map_float
        namespace: rt
        tasks:
          - id: r
            type: io.kestra.plugin.core.debug.Return
            format:
              a: "{{ secret('ACCT') | number / 10.0 }}"
        """,
        secrets={"ACCT": secret},
    )
    assert_no_piece(run.everything(), secret)


def test_foreach_over_secret_characters(run_flow: Runner) -> None:
    secret = "tok-9f8e7d6c5b4a"
    run = run_flow(
        """
        id: foreach_chars
        namespace: rt
        tasks:
          - id: f
            type: io.kestra.plugin.core.flow.ForEach
            values: "{{ secret('TOKEN') | split('') }}"
            tasks:
              - id: l
                type: io.kestra.plugin.core.log.Log
                message: x
        """,
        secrets={"TOKEN": secret},
    )
    stored = run.engine.executions.get(run.execution.id)
    plan = stored.task_runs[0].plan or {}
    values = "".join(b.get("value") or "" for b in plan.get("branches", []))
    assert secret not in values


def test_secret_derived_key_in_audit_rows(run_flow: Runner, database) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    which = "db_password_prod"
    run = run_flow(
        """
        id: indirect
        namespace: rt
        tasks:
          - id: l
            type: io.kestra.plugin.core.log.Log
            message: "{{ secret(secret('WHICH')) }}"
        """,
        secrets={"WHICH": which, "DB_PASSWORD_PROD": "hunter2-value"},
    )
    run.engine.secrets.flush()
    with database.connect() as conn:
        rows = conn.execute(text("SELECT * FROM secret_audit")).fetchall()
    dump = "\n".join(str(row) for row in rows)
    assert which.upper() not in dump and which not in dump


def test_secret_derived_map_key_in_output(run_flow: Runner) -> None:
    secret = "tok-9f8e7d6c5b4a"
    run = run_flow(
        """
        id: tainted_key
        namespace: rt
        tasks:
          - id: a
            type: io.kestra.plugin.core.output.OutputValues
            values:
              m: "{{ {secret('TOKEN') | reverse: 1} }}"
        """,
        secrets={"TOKEN": secret},
    )
    assert secret[::-1] not in run.everything()


def test_int_flow_output_of_secret_with_leading_zeros(run_flow: Runner) -> None:
    secret = "000482913775"
    run = run_flow(
        """
        id: int_zeros
        namespace: rt
        tasks:
          - id: l
            type: io.kestra.plugin.core.log.Log
            message: hi
        outputs:
          - id: o
            type: INT
            value: "{{ secret('ACCT') }}"
        """,
        secrets={"ACCT": secret},
    )
    assert "482913775" not in run.everything()


def test_script_hex_dump_of_whole_secret(run_flow: Runner) -> None:
    secret = "tok-" + "9f8e7d6c5b4a3210" * 3  # 52 bytes: two lines of `xxd -p`
    run = run_flow(
        """
        id: xxd
        namespace: rt
        tasks:
          - id: s
            type: io.kestra.plugin.scripts.shell.Commands
            env:
              T: "{{ secret('TOKEN') }}"
            commands:
              - printf '%s' "$T" | xxd -p
        """,
        secrets={"TOKEN": secret},
    )
    hexed = secret.encode().hex()
    assert hexed[:60] not in "\n".join(run.messages)


def test_script_prints_non_ascii_secret_as_bytes(run_flow: Runner) -> None:
    secret = "pässwörd-9f8e7d6c5b4a"
    run = run_flow(
        """
        id: py_bytes
        namespace: rt
        tasks:
          - id: s
            type: io.kestra.plugin.scripts.python.Script
            env:
              T: "{{ secret('TOKEN') }}"
            script: |
              import os
              print(os.environ["T"].encode())
        """,
        secrets={"TOKEN": secret},
    )
    assert "rd-9f8e7d6c5b4a" not in "\n".join(run.messages)


def test_output_file_name_from_secret_on_disk(run_flow: Runner) -> None:
    import os
    from pathlib import Path

    secret = "tok-9f8e7d6c5b4a"
    run_flow(
        """
        id: file_name
        namespace: rt
        tasks:
          - id: s
            type: io.kestra.plugin.scripts.shell.Commands
            env:
              T: "{{ secret('TOKEN') }}"
            commands:
              - echo hi > "{{ outputDir }}/report-$T.txt"
        """,
        secrets={"TOKEN": secret},
    )
    home = Path(os.environ["HUSHFLOW_HOME"])
    names = [str(p) for p in home.rglob("*")]
    assert not any(secret in name for name in names)


def test_yaml_flow_output_of_yaml_secret(run_flow: Runner) -> None:
    secret = "db: {host: x, pass: hunter2-9f8e7d6c}"
    run = run_flow(
        """
        id: yaml_out
        namespace: rt
        tasks:
          - id: l
            type: io.kestra.plugin.core.log.Log
            message: hi
        outputs:
          - id: o
            type: YAML
            value: "{{ secret('CFG') }}"
        """,
        secrets={"CFG": secret},
    )
    assert "hunter2-9f8e7d6c" not in run.everything()


def test_yaml_error_snippet_of_long_secret(run_flow: Runner) -> None:
    secret = "tok-" + "a1b2c3d4e5f6g7h8" * 10 + ": bad: yaml"
    run = run_flow(
        """
        id: yaml_err
        namespace: rt
        tasks:
          - id: l
            type: io.kestra.plugin.core.log.Log
            message: hi
        outputs:
          - id: o
            type: YAML
            value: "{{ secret('CFG') }}"
        """,
        secrets={"CFG": secret},
    )
    assert "e5f6g7h8a1b2c3d4e5f6g7h8" not in run.everything()
