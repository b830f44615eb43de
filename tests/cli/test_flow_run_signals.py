"""``flow run`` stopped by SIGTERM or Ctrl-C: the execution ends KILLED, its scripts die, its logs stay."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from hushflow.storage.repository import ExecutionRepository, LogRepository

REPO = Path(__file__).resolve().parents[2]


def _start(flow: Path, home: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "HUSHFLOW_"))}
    env["HUSHFLOW_HOME"] = str(home)
    return subprocess.Popen(
        [sys.executable, "-m", "hushflow", "flow", "run", str(flow)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO,
    )  # fmt: skip


def _await_line(proc: subprocess.Popen[str], needle: str, seconds: float = 120) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if needle in line:
            return
        if not line and proc.poll() is not None:
            break
    proc.kill()
    pytest.fail(f"never printed {needle!r}; stderr: {proc.stderr.read() if proc.stderr else ''}")


def _survivors(marker: str) -> list[str]:
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
    return found.split()


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"]
)
def test_a_signal_kills_the_execution_its_processes_and_keeps_its_logs(
    tmp_path: Path, signum: int, code: int
) -> None:
    # A number no other process has in its command line: the script's sleeps carry it.
    marker = f"{secrets.randbelow(10**6) + 10**6}.{secrets.randbelow(900) + 100}"
    flow = tmp_path / "long.yml"
    flow.write_text(
        "id: long\nnamespace: t\ntasks:\n"
        "  - id: before\n    type: io.kestra.plugin.core.log.Log\n    message: first task done\n"
        "  - id: work\n    type: io.kestra.plugin.scripts.shell.Commands\n    commands:\n"
        f"      - sleep {marker} &\n      - echo started-work\n      - sleep {marker}\n"
        "  - id: after\n    type: io.kestra.plugin.core.log.Log\n    message: never\n"
    )
    home = tmp_path / "home"
    proc = _start(flow, home)
    _await_line(proc, "started-work")
    assert _survivors(marker), "the script's processes should be running now"
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    assert "KILLED" in stderr

    deadline = time.monotonic() + 20
    while _survivors(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _survivors(marker) == []

    db = create_engine(f"sqlite:///{home / 'hushflow.db'}")
    (listed,) = ExecutionRepository(db).list()
    execution = ExecutionRepository(db).get(listed.id)
    assert execution.state.value == "KILLED"
    states = {r.task_id: r.state.value for r in execution.task_runs}
    assert states == {"before": "SUCCESS", "work": "KILLED"}
    messages = [e.message for e in LogRepository(db).for_execution(execution.id)]
    assert "first task done" in messages
    assert any("started-work" in m for m in messages)
    db.dispose()


def test_a_signal_before_anything_runs_still_exits_cleanly(tmp_path: Path) -> None:
    flow = tmp_path / "f.yml"
    flow.write_text(
        "id: f\nnamespace: t\ntasks:\n  - id: s\n    type: io.kestra.plugin.core.flow.Sleep\n"
        "    duration: PT60S\n"
    )
    proc = _start(flow, tmp_path / "home")
    time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode in (143, -signal.SIGTERM)  # -15: it came before Python set handlers
    assert "Traceback" not in stderr
    json.dumps(stderr)  # printable
