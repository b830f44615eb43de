"""An execution whose hushflow process died is ended (KILLED), not left RUNNING for ever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine as Database

from hushflow.engine.recovery import recover_abandoned
from hushflow.engine.runner import Engine
from hushflow.models import parse_flow
from hushflow.models.state import State
from hushflow.procinfo import ProcessId, start_ticks
from hushflow.storage.database import open_database
from hushflow.storage.owners import ExecutionOwners
from hushflow.storage.repository import ExecutionRepository, LogRepository

REPO = Path(__file__).resolve().parents[2]
SLOW = """\
id: slow
namespace: t
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: started
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT120S
"""


def _crash_a_flow_run(tmp_path: Path, db_url: str) -> tuple[str, dict[str, str]]:
    """Start ``flow run`` of SLOW in a real process, ``kill -9`` it mid-run; the execution id."""
    flow = tmp_path / "slow.yml"
    flow.write_text(SLOW)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "HUSHFLOW_"))}
    env.update(HUSHFLOW_HOME=str(tmp_path / "home"), HUSHFLOW_DATABASE_URL=db_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hushflow", "flow", "run", str(flow)],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    while "started" not in proc.stdout.readline():
        assert proc.poll() is None, "flow run ended early"
    db = open_database(db_url)
    try:
        (execution,) = ExecutionRepository(db).list()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # kill it mid-task: once 'wait' is stored running
            runs = ExecutionRepository(db).get(execution.id).task_runs
            if any(r.task_id == "wait" and r.state == State.RUNNING for r in runs):
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    finally:
        db.dispose()
    return execution.id, env


def test_a_running_execution_records_its_process_and_releases_it(database: Database) -> None:
    engine = Engine(database)
    try:
        flow = parse_flow(SLOW.replace("PT120S", "PT1S"))
        execution = engine.submit(flow, {})
        assert ExecutionOwners(database).owner(execution.id) == ProcessId.current()
        engine.wait(execution.id, timeout=60)
        assert ExecutionOwners(database).owner(execution.id) is None
    finally:
        engine.close()


def test_the_next_engine_ends_what_a_killed_flow_run_left(tmp_path: Path, db_url: str) -> None:
    execution_id, _ = _crash_a_flow_run(tmp_path, db_url)
    db = open_database(db_url)
    try:
        assert not ExecutionRepository(db).get(execution_id).state.terminal
        assert ExecutionOwners(db).abandoned() == [execution_id]
        Engine(db).close()  # any start of an engine (flow run, server local) recovers
        done = ExecutionRepository(db).get(execution_id)
        assert done.state == State.KILLED
        assert {r.task_id: r.state for r in done.task_runs} == {
            "first": State.SUCCESS,
            "wait": State.KILLED,
        }
        messages = [e.message for e in LogRepository(db).for_execution(execution_id)]
        assert any("is gone; marked KILLED" in m for m in messages)
        assert recover_abandoned(db) == []  # once only
    finally:
        db.dispose()


def test_execution_kill_and_restart_work_after_a_crash(tmp_path: Path, sqlite_url: str) -> None:
    execution_id, env = _crash_a_flow_run(tmp_path, sqlite_url)
    hushflow = [sys.executable, "-m", "hushflow", "execution"]
    kill = subprocess.run(
        [*hushflow, "kill", execution_id], env=env, cwd=REPO, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert kill.returncode == 0, kill.stderr
    assert "KILLED (its hushflow process is gone)" in kill.stdout
    restart = subprocess.Popen(
        [*hushflow, "restart", execution_id], env=env, cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    db = open_database(sqlite_url)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            again = ExecutionRepository(db).get(execution_id)
            if again.state == State.RUNNING and any(
                r.task_id == "wait" and r.state == State.RUNNING for r in again.task_runs
            ):
                break
            time.sleep(0.2)
        assert again.state == State.RUNNING  # the crashed execution runs again
        assert ExecutionOwners(db).owner(execution_id) == ProcessId(
            ProcessId.current().host, restart.pid, start_ticks(restart.pid) or ""
        )
    finally:
        restart.kill()
        restart.wait()
        db.dispose()
