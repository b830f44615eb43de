"""Every script and HTTP example under ``examples/`` runs, ends as documented and leaks nothing."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from hushflow.models import State
from tests.tasks.conftest import EchoServer
from tests.tasks.task_helpers import FlowRunner, fake_secret

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TOKEN = "****"


def example(name: str) -> str:
    return (EXAMPLES / name).read_text()


def test_shell_commands(run_flow: FlowRunner) -> None:
    token = fake_secret()
    run = run_flow(example("scripts-shell-commands.yml"), {"API_TOKEN": token})
    assert run.execution.state == State.SUCCESS
    build = run.task("build").outputs
    assert build["exitCode"] == 0
    assert build["vars"] == {"lines": 3, "first": "grace"}
    assert Path(build["outputFiles"]["report.txt"]).read_text() == f"grace\nada\ntoken={TOKEN}\n"
    assert run.messages("build") == ["starting on Linux", f"hello, using token {TOKEN}", TOKEN]
    assert run.messages("show") == ["3 lines, first is grace"]
    assert run.leaks(token, base64.b64encode(token.encode()).decode()) == []


def test_shell_script(run_flow: FlowRunner) -> None:
    password = fake_secret()
    run = run_flow(example("scripts-shell-script.yml"), {"DB_PASSWORD": password})
    assert run.execution.state == State.WARNING
    assert run.task("script").outputs["vars"] == {"steps": 2}
    assert run.messages("script", "INFO") == ["step extract", "step load"]
    assert run.messages("script", "ERROR") == [f"connecting with password {TOKEN}"]
    assert run.leaks(password) == []


def test_python_script(run_flow: FlowRunner) -> None:
    key = fake_secret()
    run = run_flow(example("scripts-python-script.yml"), {"API_KEY": key})
    assert run.execution.state == State.SUCCESS
    assert run.task("analyse").outputs["vars"] == {"total": 45, "echo": TOKEN}
    assert run.messages("analyse", "INFO") == [f"calling the API with {TOKEN}"]
    assert run.leaks(key) == []


def test_python_commands(run_flow: FlowRunner) -> None:
    key = fake_secret()
    run = run_flow(example("scripts-python-commands.yml"), {"API_KEY": key})
    assert run.execution.state == State.SUCCESS
    stored = Path(run.task("run").outputs["outputFiles"]["out.txt"])
    assert stored.read_text() == f"ada:{TOKEN}\n"
    assert run.messages("run", "INFO") == ["wrote out.txt for ada"]
    assert run.leaks(key) == []


def test_http_request(run_flow: FlowRunner, echo_server: EchoServer) -> None:
    token = fake_secret()
    run = run_flow(
        example("http-request.yml"), {"API_TOKEN": token}, inputs={"base_url": echo_server.url}
    )
    assert run.execution.state == State.SUCCESS
    assert run.execution.outputs == {"code": 200}
    assert run.messages("status") == ["answered 200"]
    path, headers, body = echo_server.seen[0]
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert (path, headers["Authorization"]) == ("/api/items", f"Bearer {token}")
    assert json.loads(body) == {"name": "pen", "signature": digest}
    echoed = json.loads(run.task("call").outputs["body"])
    assert echoed["headers"]["Authorization"] == TOKEN
    assert json.loads(echoed["body"])["signature"] == TOKEN
    assert run.leaks(token, digest) == []


def test_scripts_sandbox(run_flow: FlowRunner) -> None:
    cert = fake_secret("pem-")
    run = run_flow(example("scripts-sandbox.yml"), {"CLIENT_CERT": cert})
    assert run.execution.state == State.SUCCESS, [r.error for r in run.execution.task_runs]
    token = "session-" + hashlib.sha256(cert.encode()).hexdigest()[:24]
    assert run.task("login").outputs["vars"] == {"user": "ada", "token": TOKEN}
    assert run.messages("login", "INFO") == [f"logged in with {TOKEN}"]
    assert run.messages("call", "INFO") == [f"calling as ada with {TOKEN}", "32"]
    assert run.leaks(cert, token) == []
