"""The sandbox's options end to end: secretFiles, secretOutputs, limits, networkMode, runners."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from hushflow.errors import ConfigError
from hushflow.models import State
from hushflow.tasks import sandbox_config
from tests.tasks.conftest import EchoServer
from tests.tasks.task_helpers import FlowRunner, fake_secret

TOKEN = "****"


def _config(text: str) -> None:
    (Path(os.environ["HUSHFLOW_HOME"]) / "hushflow.yml").write_text(text)


def test_secret_files_are_read_only_files_gone_afterwards(run_flow: FlowRunner) -> None:
    value = fake_secret("pem-")
    run = run_flow(
        """
    id: files
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.shell.Commands
        warningOnStdErr: false
        secretFiles:
          db.pem: "{{ secret('DB_CERT') }}"
        commands:
          - stat -c '%a %U' "$DB_PEM_FILE"
          - echo "$DB_PEM_FILE in $SECRETS_DIR"
          - cat "$DB_PEM_FILE"; echo
          - base64 "$DB_PEM_FILE"
          - echo x >> "$DB_PEM_FILE" 2>/dev/null || echo read-only
    """,
        {"DB_CERT": value},
    )
    assert run.execution.state == State.SUCCESS
    lines = run.messages("t", "INFO")
    assert lines[0].startswith("400 ")
    assert lines[1] == "/run/secrets/db.pem in /run/secrets"
    assert lines[2] == TOKEN
    assert lines[3] == TOKEN
    assert lines[4] == "read-only"
    assert run.leaks(value) == []


def test_a_secret_file_name_must_be_a_plain_name(run_flow: FlowRunner) -> None:
    run = run_flow("""
    id: files
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.shell.Commands
        secretFiles:
          ../escape: "abcdefgh"
        commands: ["true"]
    """)
    assert run.execution.state == State.FAILED
    assert "plain file name" in (run.task("t").error or "")


def test_secret_outputs_are_sealed_masked_and_usable_later(run_flow: FlowRunner) -> None:
    run = run_flow("""
    id: sealed
    namespace: company.team
    tasks:
      - id: login
        type: io.kestra.plugin.scripts.python.Script
        script: |
          import json, secrets
          token = "tok-" + secrets.token_hex(16)
          print("::" + json.dumps({"secretOutputs": {"token": token}, "outputs": {"n": 1}}) + "::")
          print("the token is", token)
      - id: use
        type: io.kestra.plugin.scripts.shell.Commands
        env:
          TOKEN: "{{ outputs.login.vars.token }}"
        commands:
          - echo "$TOKEN" | wc -c
          - echo "got $TOKEN"
      - id: log
        type: io.kestra.plugin.core.log.Log
        message: "{{ outputs.login.vars.token | upper }} {{ outputs.login.vars.n }}"
    """)
    assert run.execution.state == State.SUCCESS
    assert run.task("login").outputs["vars"] == {"n": 1, "token": TOKEN}
    assert run.messages("login", "INFO") == [f"the token is {TOKEN}"]
    assert run.messages("use", "INFO") == ["37", f"got {TOKEN}"]  # 36 characters + newline
    assert run.messages("log") == [f"{TOKEN} 1"]
    sealed = run.execution.sealed_outputs or {}
    assert set(sealed) == {run.task("login").id}
    assert set(sealed[run.task("login").id]) == {"kid", "nonce", "ct"}
    assert b"tok-" not in run.stored_bytes()


def test_a_secret_output_too_short_to_mask_fails_the_task(run_flow: FlowRunner) -> None:
    run = run_flow("""
    id: short
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - |
            echo '::{"secretOutputs": {"pin": "12"}}::'
    """)
    assert run.execution.state == State.FAILED
    assert "too short to be masked" in (run.task("t").error or "")


def test_http_secret_outputs_take_a_token_from_the_response(
    run_flow: FlowRunner, echo_server: EchoServer
) -> None:
    token = fake_secret("bearer-")
    run = run_flow(f"""
    id: login
    namespace: company.team
    tasks:
      - id: login
        type: io.kestra.plugin.core.http.Request
        uri: {echo_server.url}/login
        method: POST
        body: '{{"access_token": "{token}"}}'
        secretOutputs:
          token: .body.body | fromjson | .access_token
      - id: call
        type: io.kestra.plugin.core.http.Request
        uri: {echo_server.url}/api
        headers:
          Authorization: "Bearer {{{{ outputs.login.secretOutputs.token }}}}"
    """)
    assert run.execution.state == State.SUCCESS, run.task("login").error
    assert run.task("login").outputs["secretOutputs"] == {"token": TOKEN}
    assert token not in json.dumps(run.task("login").outputs)
    assert echo_server.seen[-1][1]["Authorization"] == f"Bearer {token}"
    assert run.leaks(token, database=False) == []
    assert token.encode() not in run.stored_bytes().replace(b"\\", b"")


def test_the_logged_command_line_holds_no_secret(run_flow: FlowRunner) -> None:
    value = fake_secret()
    run = run_flow(
        """
    id: cmd
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - echo "{{ secret('K') }}" > /dev/null
    """,
        {"K": value},
    )
    started = [m for m in run.messages("t", "TRACE") if m.startswith("Starting command")]
    assert len(started) == 1
    assert TOKEN not in started[0] and value not in started[0]
    assert "commands.sh" in started[0]


def test_network_none_has_only_loopback(run_flow: FlowRunner, echo_server: EchoServer) -> None:
    port = echo_server.url.rsplit(":", 1)[1]
    run = run_flow(f"""
    id: net
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.python.Script
        networkMode: none
        script: |
          import socket
          try:
              socket.create_connection(("127.0.0.1", {port}), timeout=3)
              print("connected")
          except OSError as exc:
              print("refused", type(exc).__name__)
    """)
    assert run.messages("t", "INFO") == ["refused ConnectionRefusedError"]
    assert echo_server.seen == []


def test_a_namespace_set_to_none_cannot_ask_for_host(run_flow: FlowRunner) -> None:
    _config("sandbox:\n  namespaces:\n    company.locked: {network: none}\n")
    flow = """
    id: net
    namespace: company.locked.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.shell.Commands
        networkMode: host
        commands: ["true"]
    """
    run = run_flow(flow)
    assert run.execution.state == State.FAILED
    assert "networkMode host is not allowed in namespace company.locked.team" in (
        run.task("t").error or ""
    )


def test_the_unsandboxed_runner_needs_the_servers_permission(run_flow: FlowRunner) -> None:
    flow = """
    id: raw
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.shell.Commands
        taskRunner:
          type: io.hushflow.runner.UnsandboxedProcess
        commands: ["echo ran"]
    """
    run = run_flow(flow)
    assert run.execution.state == State.FAILED
    assert "not allowed on this server" in (run.task("t").error or "")
    _config("sandbox:\n  allow_unsandboxed: true\n")
    run = run_flow(flow)
    assert run.messages("t", "INFO") == ["ran"]
    assert any("unsandboxed" in m for m in run.messages("t", "WARN"))


def test_without_bubblewrap_a_task_fails_saying_what_to_install(
    run_flow: FlowRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap anywhere on it
    run = run_flow("""
    id: nobwrap
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.shell.Commands
        interpreter: [/bin/sh, -c]
        commands: ["echo ran"]
    """)
    assert run.execution.state == State.FAILED
    error = run.task("t").error or ""
    assert "bwrap" in error and "apt-get install bubblewrap" in error
    assert run.messages("t", "INFO") == []


@pytest.mark.parametrize(
    ("limits", "script", "expected"),
    [
        ("cpu: 1", "while True: pass", "CPU time limit of 1 s"),
        ("output: 64KiB", "print('y' * 1000000)", "output limit of 65536 bytes"),
    ],
    ids=["cpu", "output"],
)
def test_going_over_a_limit_fails_the_task_and_the_flow_goes_on(
    run_flow: FlowRunner, limits: str, script: str, expected: str
) -> None:
    run = run_flow(f"""
    id: limits
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.python.Script
        allowFailure: true
        limits:
          {limits}
        script: "{script}"
      - id: after
        type: io.kestra.plugin.core.log.Log
        message: still running
    """)
    assert expected in (run.task("t").error or "")
    assert run.messages("after") == ["still running"]


def test_a_task_cannot_raise_its_limits_above_the_servers(run_flow: FlowRunner) -> None:
    _config("sandbox:\n  limits:\n    memory: 1GiB\n")
    run = run_flow("""
    id: limits
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.shell.Commands
        limits:
          memory: 8GiB
        commands: ["true"]
    """)
    assert run.execution.state == State.FAILED
    assert "above the server's limit" in (run.task("t").error or "")


def test_the_configuration_is_checked() -> None:
    config = sandbox_config.from_mapping(
        {
            "network": "none",
            "limits": {"disk": "2GiB", "cpu": 5},
            "namespaces": {"a.b": {"network": "host"}},
        }
    )
    assert config.limits.disk == 2 << 30 and config.limits.cpu == 5
    assert config.network_for("a.b.c") == "host"
    assert config.network_for("a.bc") == "none"
    bad_sections: list[dict[str, object]] = [
        {"network": "bridge"},
        {"limits": {"disk": "lots"}},
        {"limits": {"nope": 1}},
        {"default_runner": "unsandboxed"},
    ]
    for bad in bad_sections:
        with pytest.raises(ConfigError):
            sandbox_config.from_mapping(bad)


def test_a_base64_secret_file_round_trips(run_flow: FlowRunner) -> None:
    """Binary-safe enough for PEM and JSON: the file holds exactly the rendered text."""
    value = fake_secret()
    run = run_flow(
        """
    id: files
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.shell.Commands
        secretFiles:
          k: "{{ secret('K') }}"
        commands:
          - test "$(cat "$K_FILE")" = "$EXPECTED" && echo same
        env:
          EXPECTED: "{{ secret('K') }}"
    """,
        {"K": value},
    )
    assert run.messages("t", "INFO") == ["same"]
    assert base64.b64encode(value.encode()).decode() not in "\n".join(run.messages())


def test_a_passwordless_loopback_postgresql_with_host_network_is_warned_about() -> None:
    from sqlalchemy.engine import make_url

    from hushflow.engine.sandbox_warning import loopback_trust_warning

    host = sandbox_config.SandboxConfig()
    closed = sandbox_config.from_mapping({"network": "none"})
    trusting = make_url("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    assert "without a password" in (loopback_trust_warning(trusting, host) or "")
    assert loopback_trust_warning(trusting, closed) is None
    assert loopback_trust_warning(make_url("postgresql://u:pw@127.0.0.1/db"), host) is None
    assert loopback_trust_warning(make_url("sqlite:///x.db"), host) is None


def test_secret_outputs_survive_a_key_rotation_and_a_restart(sqlite_url: str) -> None:
    from hushflow.engine.runner import Engine
    from hushflow.models import parse_flow
    from hushflow.secrets.master_key import MasterKeySource
    from hushflow.secrets.rotation import rotate_key
    from hushflow.storage.database import open_database

    token = fake_secret("tok-")
    env = {"HUSHFLOW_HOME": os.environ["HUSHFLOW_HOME"]}
    source = f"""
id: rot
namespace: company.team
tasks:
  - id: login
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - |
        echo '::{{"secretOutputs": {{"token": "{token}"}}}}::'
  - id: gate
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{{{ not (globals.ok ?? false) }}}}"
  - id: use
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      T: "{{{{ outputs.login.vars.token }}}}"
    commands:
      - test "$T" = "{token}" && echo match
"""
    db = open_database(sqlite_url)
    engine = Engine(db, keys=MasterKeySource(env))
    try:
        flow = parse_flow(source)
        engine.flows.save(flow.namespace, flow.id, source)
        first = engine.wait(engine.submit(flow).id, timeout=60)
        assert first.state == State.FAILED
        login = next(r for r in first.task_runs if r.task_id == "login")
        old_kid = (first.sealed_outputs or {})[login.id]["kid"]
        report = rotate_key(db, MasterKeySource(env))
        assert report.finished and report.primary_id != old_kid
        engine.keys = MasterKeySource(env)
        engine.globals["ok"] = True
        engine.restart(first.id)
        again = engine.wait(first.id, timeout=60)
        logs = [e.message for e in engine.logs.for_execution(first.id)]
    finally:
        engine.close()
        db.dispose()
    assert again.state == State.SUCCESS
    assert (again.sealed_outputs or {})[login.id]["kid"] == report.primary_id
    assert "match" in logs
    assert not any(token in m for m in logs)


def test_the_kestra_library_sends_secret_outputs(run_flow: FlowRunner) -> None:
    value = fake_secret()
    run = run_flow(f"""
    id: lib
    namespace: company.team
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.python.Script
        script: |
          from kestra import Kestra
          Kestra.secret_outputs({{"key": "{value}"}})
      - id: after
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - test "{{{{ outputs.t.vars.key }}}}" = "{value}" && echo same
    """)
    assert run.task("t").outputs["vars"] == {"key": TOKEN}
    assert run.messages("after", "INFO") == ["same"]
    assert run.leaks(value, database=False) == []
