"""``hushflow flow ...`` as a user runs it: a real process, real exit codes, no tracebacks."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.engine.conftest import fake_secret

REPO = Path(__file__).resolve().parents[2]


def hushflow(
    *args: str, home: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "HUSHFLOW_"))}
    full = {**base, "HUSHFLOW_HOME": str(home), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "hushflow", *args],
        capture_output=True, text=True, env=full, timeout=120, cwd=REPO,
    )  # fmt: skip


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_run_the_hello_example_masks_every_derived_form(home: Path) -> None:
    token = fake_secret("demo")
    env = {"SECRET_GREETING_TOKEN": base64.b64encode(token.encode()).decode()}
    result = hushflow("flow", "run", "examples/hello.yml", home=home, env=env)
    assert result.returncode == 0, result.stderr
    assert "The token is ****" in result.stdout
    assert "Its base64 form is ****" in result.stdout
    assert "A piece of it is ****" in result.stdout
    assert token not in result.stdout + result.stderr
    assert token[2:9] not in result.stdout + result.stderr


def test_run_json_reports_task_runs_and_logs(home: Path, tmp_path: Path) -> None:
    flow = write(
        tmp_path, "f.yml",
        "id: f\nnamespace: t\ninputs:\n  - {id: who, type: STRING}\ntasks:\n"
        "  - {id: each, type: io.kestra.plugin.core.flow.ForEach, values: [a, b], tasks: [\n"
        "      {id: r, type: io.kestra.plugin.core.debug.Return, format: '{{ inputs.who }}-{{ taskrun.value }}'}]}\n",
    )  # fmt: skip
    result = hushflow("flow", "run", str(flow), "-i", "who=me", "--output", "json", home=home)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["state"] == "SUCCESS"
    assert doc["inputs"] == {"who": "me"}
    runs = [
        (r["taskId"], r["value"], r["state"], len(r["attempts"]), r["outputs"])
        for r in doc["taskRuns"]
    ]
    assert runs == [
        ("each", None, "SUCCESS", 0, {}),
        ("r", "a", "SUCCESS", 1, {"value": "me-a"}),
        ("r", "b", "SUCCESS", 1, {"value": "me-b"}),
    ]
    assert {"taskId", "level", "message", "timestamp"} <= set(doc["logs"][0])


def test_failed_run_exits_1(home: Path, tmp_path: Path) -> None:
    flow = write(
        tmp_path,
        "f.yml",
        "id: f\nnamespace: t\ntasks:\n  - {id: x, type: io.kestra.plugin.core.execution.Fail}\n",
    )
    result = hushflow("flow", "run", str(flow), home=home)
    assert result.returncode == 1
    assert "FAILED" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: f\nnamespace: t\ntasks: [\n", "invalid YAML"),
        ("id: f\nnamespace: t\ntasks:\n  - {id: x, type: com.example.Nope}\n", "unknown task type 'com.example.Nope'"),
        ("id: f\nnamespace: t\ntasks:\n  - {id: x, type: io.kestra.plugin.core.log.Log, mesage: m}\n", "did you mean 'message'"),
        ("id: f\nnamespace: t\ntasks:\n  - {id: x, type: io.kestra.plugin.core.log.Log, message: a}\n"
         "  - {id: x, type: io.kestra.plugin.core.log.Log, message: b}\n", "duplicate task id 'x'"),
    ],
    ids=["malformed-yaml", "unknown-type", "typo", "duplicate-id"],
)  # fmt: skip
def test_bad_flows_exit_2_with_a_located_message(
    home: Path, tmp_path: Path, text: str, expected: str
) -> None:
    flow = write(tmp_path, "bad.yml", text)
    for command in (("flow", "validate", str(flow)), ("flow", "run", str(flow))):
        result = hushflow(*command, home=home)
        assert result.returncode == 2, result
        assert expected in result.stderr
        assert result.stderr.startswith(f"{flow}:")
        assert "Traceback" not in result.stderr


def test_missing_required_input_exits_2(home: Path, tmp_path: Path) -> None:
    flow = write(tmp_path, "f.yml", "id: f\nnamespace: t\ninputs:\n  - {id: n, type: INT}\n"
                 "tasks:\n  - {id: x, type: io.kestra.plugin.core.log.Log, message: m}\n")  # fmt: skip
    result = hushflow("flow", "run", str(flow), home=home)
    assert result.returncode == 2
    assert "Invalid input for `n`, missing required input" in result.stderr


def test_deploy_reports_revisions_and_execution_commands_read_the_store(
    home: Path, tmp_path: Path
) -> None:
    flow = write(
        tmp_path,
        "f.yml",
        "id: f\nnamespace: t\ntasks:\n  - {id: x, type: io.kestra.plugin.core.log.Log, message: hi}\n",
    )
    assert "created   t.f revision 1" in hushflow("flow", "deploy", str(flow), home=home).stdout
    assert "unchanged t.f revision 1" in hushflow("flow", "deploy", str(flow), home=home).stdout
    flow.write_text(flow.read_text().replace("hi", "hello"))
    assert "updated   t.f revision 2" in hushflow("flow", "deploy", str(flow), home=home).stdout
    run = json.loads(hushflow("flow", "run", str(flow), "-o", "json", home=home).stdout)
    listed = hushflow("execution", "list", home=home).stdout
    assert run["id"] in listed
    shown = json.loads(hushflow("execution", "show", run["id"], "-o", "json", home=home).stdout)
    assert shown["flowRevision"] == 2 and shown["state"] == "SUCCESS"
    assert "hello" in hushflow("execution", "logs", run["id"], home=home).stdout
    missing = hushflow("execution", "show", "nope", home=home)
    assert missing.returncode == 2 and "not found" in missing.stderr


def test_a_bad_schedule_is_refused_at_validate_time_with_its_location(
    home: Path, tmp_path: Path
) -> None:
    flow = write(
        tmp_path, "s.yml",
        "id: s\nnamespace: t\ntasks:\n  - {id: x, type: io.kestra.plugin.core.log.Log, message: m}\n"
        "triggers:\n  - id: every\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: '61 * * * *'\n",
    )  # fmt: skip
    result = hushflow("flow", "validate", str(flow), home=home)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{flow}:6:")
    assert "every" in result.stderr


def test_execution_kill_stops_a_run_in_another_process(home: Path, tmp_path: Path) -> None:
    import time

    flow = write(
        tmp_path,
        "k.yml",
        "id: k\nnamespace: t\ntasks:\n  - {id: nap, type: io.kestra.plugin.core.flow.Sleep, duration: PT60S}\n",
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "HUSHFLOW_"))}
    runner = subprocess.Popen(
        [sys.executable, "-m", "hushflow", "flow", "run", str(flow)],
        env={**base, "HUSHFLOW_HOME": str(home)}, cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        execution_id = ""
        deadline = time.monotonic() + 60
        while not execution_id and time.monotonic() < deadline:
            listed = hushflow("execution", "list", "-o", "json", home=home)
            running = [e for e in json.loads(listed.stdout or "[]") if e["state"] == "RUNNING"]
            execution_id = running[0]["id"] if running else ""
            time.sleep(0.2)
        assert execution_id, "the run never showed up as RUNNING"
        killed = hushflow("execution", "kill", execution_id, home=home)
        assert killed.returncode == 0, killed.stderr
        assert f"{execution_id}: KILLED" in killed.stdout
        assert runner.wait(timeout=30) == 1
    finally:
        runner.kill()
        runner.communicate()
    again = hushflow("execution", "kill", execution_id, home=home)
    assert again.returncode == 2 and "already ended: KILLED" in again.stderr


def test_plugins_list_names_every_task_type(home: Path) -> None:
    result = hushflow("plugins", "list", "-o", "json", home=home)
    assert result.returncode == 0, result.stderr
    names = {row["type"] for row in json.loads(result.stdout)}
    assert {
        "io.kestra.plugin.core.log.Log",
        "io.kestra.plugin.scripts.shell.Commands",
        "io.kestra.plugin.core.http.Request",
    } <= names
