"""``hushflow server local`` as a user runs it: a real process, real signals, a real database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine as Database
from sqlalchemy import insert, select

from hushflow.cli.main import cli
from hushflow.models.execution import Execution
from hushflow.models.state import State
from hushflow.storage.database import open_database
from hushflow.storage.repository import ExecutionRepository
from hushflow.storage.schema import execution_commands

REPO = Path(__file__).resolve().parents[2]
#: Upper bound for anything the server should do within a few seconds (never a speed test).
PATIENCE = 90.0
T = TypeVar("T")

EVERY_SECOND = """\
id: every-second
namespace: sched.e2e
tasks:
  - id: when
    type: io.kestra.plugin.core.debug.Return
    format: "{{ trigger.date }}"
outputs:
  - id: date
    type: STRING
    value: "{{ outputs.when.value }}"
triggers:
  - id: tick
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
"""

SLEEPER = """\
id: sleeper
namespace: sched.e2e
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT120S
triggers:
  - id: tick
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "*/2 * * * * *"
    withSeconds: true
"""


def iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    db: Database
    out: Path
    err: Path

    @property
    def executions(self) -> ExecutionRepository:
        return ExecutionRepository(self.db)

    def runs(self, flow_id: str) -> list[Execution]:
        return self.executions.list("sched.e2e", flow_id, 1000)

    def until(self, what: str, probe: Callable[[], T | None]) -> T:
        """Poll ``probe`` until it returns something; fail if the server dies or takes too long."""
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            found = probe()
            if found is not None:
                return found
            if self.proc.poll() is not None:
                pytest.fail(
                    f"server exited ({self.proc.returncode}) before {what}:\n{self.err.read_text()}"
                )
            time.sleep(0.2)
        pytest.fail(f"no {what} after {PATIENCE}s:\n{self.out.read_text()}\n{self.err.read_text()}")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=PATIENCE)


@pytest.fixture
def start_server(db_url: str, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []
    db = open_database(db_url)

    def start(*flows: str, args: tuple[str, ...] = ()) -> Server:
        folder = tmp_path / "flows"
        folder.mkdir()
        for number, text in enumerate(flows):
            (folder / f"flow{number}.yml").write_text(text)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "HUSHFLOW_"))}
        env = {**base, "HUSHFLOW_HOME": str(tmp_path / "home"), "HUSHFLOW_DATABASE_URL": db_url}
        out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
        with out.open("wb") as out_f, err.open("wb") as err_f:
            proc = subprocess.Popen(
                [sys.executable, "-m", "hushflow", "server", "local", "--port", "0", "--flows", str(folder), *args],
                stdout=out_f, stderr=err_f, env=env, cwd=REPO,
            )  # fmt: skip
        server = Server(proc, db, out, err)
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait(timeout=PATIENCE)
    db.dispose()


def test_server_help_says_what_runs() -> None:
    result = CliRunner().invoke(cli, ["server", "--help"])
    assert result.exit_code == 0
    assert "REST API, the engine and the scheduler" in " ".join(result.output.split())
    local = CliRunner().invoke(cli, ["server", "local", "--help"])
    assert local.exit_code == 0
    assert all(o in local.output for o in ("--flows", "--workers", "--host", "--port", "--grace"))


def test_invalid_flow_in_flows_folder_exits_2(tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "bad.yml").write_text("id: bad\nnamespace: t\ntasks: []\n")
    result = CliRunner().invoke(cli, ["server", "local", "--flows", str(folder)])
    assert result.exit_code == 2
    assert "bad.yml" in result.output


def test_scheduled_flow_runs_every_second_and_stops_cleanly_on_sigterm(
    start_server: Callable[..., Server],
) -> None:
    started = datetime.now(UTC)
    server = start_server(EVERY_SECOND)

    def finished() -> Execution | None:
        done = [e for e in server.runs("every-second") if e.state.terminal]
        return done[0] if done else None

    first = server.until("finished scheduled execution", finished)
    assert server.stop() == 0, server.err.read_text()

    assert first.state == State.SUCCESS
    assert first.trigger is not None
    assert (first.trigger["id"], first.trigger["type"]) == (
        "tick",
        "io.kestra.plugin.core.trigger.Schedule",
    )
    date = first.trigger["variables"]["date"]
    assert first.outputs == {"date": date}
    slot = datetime.fromisoformat(date)
    assert slot.microsecond == 0
    assert started < slot <= datetime.now(UTC)
    assert first.trigger["variables"]["previous"] == iso(slot - timedelta(seconds=1))
    assert first.trigger["variables"]["next"] == iso(slot + timedelta(seconds=1))
    dates = [e.trigger["variables"]["date"] for e in server.runs("every-second") if e.trigger]
    assert len(dates) == len(set(dates)), "a slot fired twice"
    assert all(e.state.terminal for e in server.runs("every-second")), "left running after shutdown"
    out = server.out.read_text()
    assert f"started execution {first.id}" in out
    assert "hushflow server stopped" in out
    assert "Traceback" not in server.err.read_text()


def test_server_kills_an_execution_when_a_command_row_asks(
    start_server: Callable[..., Server],
) -> None:
    server = start_server(SLEEPER, args=("--grace", "0"))

    def sleeping() -> Execution | None:
        for summary in server.runs("sleeper"):
            ex = server.executions.get(summary.id)  # with its task runs
            if ex.state == State.RUNNING and [r.state for r in ex.task_runs] == [State.RUNNING]:
                return ex
        return None

    target = server.until("running execution", sleeping)
    with server.db.begin() as conn:
        conn.execute(insert(execution_commands).values(
            execution_id=target.id, command="kill", created=datetime.now(UTC)))  # fmt: skip

    def killed() -> Execution | None:
        ex = server.executions.get(target.id)
        return ex if ex.state.terminal else None

    assert server.until("killed execution", killed).state == State.KILLED

    def rows_gone() -> bool | None:
        with server.db.connect() as conn:
            return True if not conn.execute(select(execution_commands)).all() else None

    server.until("command rows consumed", rows_gone)
    assert server.stop() == 0, server.err.read_text()
    states = {e.state for e in server.runs("sleeper")}
    assert states == {State.KILLED}, "shutdown must not leave an execution running"
    assert f"{target.id} [nap] killed while sleeping" in server.err.read_text()


SHORT_NAP = SLEEPER.replace("id: sleeper", "id: short-nap").replace("PT120S", "PT2S")
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_shutdown_lets_running_executions_finish_within_the_grace_period(
    start_server: Callable[..., Server],
) -> None:
    server = start_server(SHORT_NAP, args=("--grace", "60"))
    server.until("running execution", lambda: server.runs("short-nap") or None)
    assert server.stop() == 0, server.err.read_text()
    runs = server.runs("short-nap")
    assert runs and {e.state for e in runs} == {State.SUCCESS}
    assert "stopping: " in server.out.read_text()


@SQLITE_ONLY
def test_a_second_signal_stops_at_once(start_server: Callable[..., Server]) -> None:
    server = start_server(SLEEPER, args=("--grace", "600"))
    server.until("running execution", lambda: server.runs("sleeper") or None)
    server.proc.send_signal(signal.SIGTERM)
    server.until("graceful stop", lambda: "stopping: " in server.out.read_text() or None)
    assert server.stop() == 1
    assert "Second signal: stopping now" in server.err.read_text()
