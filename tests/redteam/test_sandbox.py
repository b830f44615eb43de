"""Red team: a script task tries to reach what its flow was not given, and must fail.

Each test runs a real script in the real sandbox (bubblewrap) through the
real engine, on SQLite and on PostgreSQL. The script reports what it managed
to do; a planted, generated secret (a team.b secret in the embedded store,
the master key, the database file) must never come out, in any form.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import textwrap
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine as Database
from tests.tasks.task_helpers import descendants

from hushflow.engine.runner import Engine
from hushflow.models import Execution, State, parse_flow
from hushflow.secrets import SecretManager
from hushflow.storage.database import open_database

pytestmark = pytest.mark.timeout(120)


@dataclass
class Attempt:
    execution: Execution
    logs: list[str]
    text: str  # everything stored about the execution, logs included

    def report(self, task: str = "probe") -> dict[str, str]:
        run = next(r for r in self.execution.task_runs if r.task_id == task)
        return dict((run.outputs or {}).get("vars", {}).get("report", {}))


@dataclass
class Target:
    home: Path
    db_file: Path | None
    team_b_secret: str
    run: Callable[..., Attempt]


@pytest.fixture
def target(db_url: str) -> Iterator[Target]:
    """An engine with a team.b secret in the embedded store and a master key file."""
    home = Path(os.environ["HUSHFLOW_HOME"])
    env = {"HUSHFLOW_HOME": str(home)}
    db: Database = open_database(db_url)
    manager = SecretManager.from_env(db, env)
    planted = "teamb-" + secrets.token_hex(16)
    manager.set("team.b", "B_TOKEN", planted, actor="test")
    engine = Engine(db, secrets=manager)
    db_file = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite") else None

    def run(text: str, inputs: dict[str, object] | None = None, timeout: float = 90) -> Attempt:
        source = textwrap.dedent(text)
        flow = parse_flow(source)
        stored, _ = engine.flows.save(flow.namespace, flow.id, source)
        ex = engine.submit(flow, inputs or {}, revision=stored.revision)
        done = engine.wait(ex.id, timeout=timeout)
        logs = [e.message for e in engine.logs.for_execution(done.id)]
        text_all = engine.executions.get(done.id).model_dump_json() + "\n".join(logs)
        return Attempt(done, logs, text_all)

    assert (home / "master.key").exists()
    yield Target(home, db_file, planted, run)
    engine.close()
    db.dispose()


def probe_flow(body: str, namespace: str = "team.a", extra: str = "") -> str:
    """A Python script task whose ``report`` output says what each attempt achieved."""
    script = textwrap.indent(textwrap.dedent(body), " " * 10)
    return f"""
    id: probe
    namespace: {namespace}
    tasks:
      - id: probe
        type: io.kestra.plugin.scripts.python.Script
{extra}        script: |
          import json, os, sys
          report = {{}}
          def attempt(name, fn):
              try:
                  result = fn()
              except BaseException as exc:
                  report[name] = "denied: " + type(exc).__name__
              else:
                  report[name] = "DONE " + str(len(str(result)))
                  print(result)
{script}
          print("::" + json.dumps({{"outputs": {{"report": report}}}}) + "::")
    """


def assert_all_denied(attempt: Attempt, names: list[str]) -> None:
    report = attempt.report()
    assert set(names) <= set(report), report
    done = {k: v for k, v in report.items() if not v.startswith("denied")}
    assert done == {}


def test_the_key_file_and_database_file_are_not_there(target: Target) -> None:
    key = target.home / "master.key"
    paths = {"key": str(key), "home": str(target.home)}
    if target.db_file is not None:
        paths["db"] = str(target.db_file)
        paths["wal"] = f"{target.db_file}-wal"
    body = f"""
        paths = {json.dumps(paths)}
        for name, path in paths.items():
            attempt("read " + name, lambda p=path: open(p, "rb").read())
            attempt("list " + name, lambda p=path: os.listdir(p))
        """
    attempt = target.run(probe_flow(body))
    assert attempt.execution.state == State.SUCCESS
    assert_all_denied(attempt, [f"read {n}" for n in paths])
    key_text = key.read_text().splitlines()[-1]
    assert key_text not in attempt.text
    assert target.team_b_secret not in attempt.text


def test_hushflow_is_not_reachable_through_proc(target: Target) -> None:
    hushflow = os.getpid()
    names = ["root", "environ", "mem", "cmdline", "maps"]
    body = f"""
        for pid in (os.getppid(), 1, {hushflow}):
            for name in {names!r}:
                path = f"/proc/{{pid}}/" + name
                if name == "root":
                    path += {str(target.home / "master.key")!r}
                if pid == os.getppid() and name in ("cmdline", "maps"):
                    continue  # the sandbox's own helper process; only its secrets matter
                attempt(f"{{name}} of {{pid}}", lambda p=path: open(p, "rb").read(4096))
        attempt("hushflow in /proc", lambda: [p for p in os.listdir("/proc") if p == "{hushflow}"] or 1/0)
        """
    attempt = target.run(probe_flow(body))
    assert attempt.execution.state == State.SUCCESS
    report = attempt.report()
    leaked = {k: v for k, v in report.items() if not v.startswith("denied")}
    assert leaked == {}
    assert target.team_b_secret not in attempt.text


def test_hushflow_cannot_be_signalled_or_traced(target: Target) -> None:
    hushflow = os.getpid()
    body = f"""
        import ctypes, signal
        libc = ctypes.CDLL(None, use_errno=True)
        def ptrace(pid):
            if libc.ptrace(16, pid, None, None) != 0:  # PTRACE_ATTACH
                raise OSError(ctypes.get_errno(), "ptrace")
        for pid in ({hushflow}, 1, os.getppid()):
            attempt(f"signal {{pid}}", lambda p=pid: os.kill(p, signal.SIGTERM))
            attempt(f"ptrace {{pid}}", lambda p=pid: ptrace(p))
        """
    attempt = target.run(probe_flow(body))
    assert attempt.execution.state == State.SUCCESS
    assert_all_denied(attempt, [f"signal {hushflow}", f"ptrace {hushflow}", "signal 1"])


def test_other_executions_folders_are_not_visible(target: Target, tmp_path: Path) -> None:
    planted = secrets.token_hex(16)
    decoy = Path(os.environ.get("TMPDIR", "/tmp")) / f"hushflow-decoy-{secrets.token_hex(4)}"
    decoy.mkdir()
    (decoy / "data").write_text(planted)
    other = target.home / "storage" / "other-execution" / "run"
    other.mkdir(parents=True)
    (other / "out.txt").write_text(planted)
    try:
        body = f"""
            import glob
            mine = os.getcwd()
            found = [p for p in glob.glob("/tmp/hushflow-*") if not mine.startswith(p)]
            attempt("other working folders", lambda: found or 1/0)
            attempt("decoy file", lambda: open({str(decoy / "data")!r}).read())
            attempt("other storage", lambda: open({str(other / "out.txt")!r}).read())
            attempt("storage listing", lambda: os.listdir({str(target.home / "storage")!r}))
            """
        attempt = target.run(probe_flow(body))
    finally:
        (decoy / "data").unlink()
        decoy.rmdir()
    assert attempt.execution.state == State.SUCCESS
    report = attempt.report()
    assert report["other working folders"].startswith("denied")
    assert report["decoy file"].startswith("denied")
    assert report["other storage"].startswith("denied")
    # The listing shows only this execution's own folder, if any.
    assert "other-execution" not in attempt.text
    assert planted not in attempt.text


def _pg_listening() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def test_no_network_means_no_postgresql(target: Target) -> None:
    if not _pg_listening():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 to try")
    body = """
        import socket
        attempt("postgres", lambda: socket.create_connection(("127.0.0.1", 5432), timeout=3))
        attempt("any host", lambda: socket.create_connection(("1.1.1.1", 443), timeout=3))
        """
    attempt = target.run(probe_flow(body, extra="        networkMode: none\n"))
    assert attempt.execution.state == State.SUCCESS
    assert_all_denied(attempt, ["postgres", "any host"])
    # The same script with the host network does connect: that is what "host" means.
    attempt = target.run(probe_flow(body, extra="        networkMode: host\n"))
    assert attempt.report()["postgres"].startswith("DONE")


def test_a_fork_bomb_is_bounded_by_the_process_limit(target: Target) -> None:
    body = """
        import time
        count = 0
        try:
            while count < 5000:
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
                count += 1
        except OSError as exc:
            report["stopped"] = f"after {count}: {type(exc).__name__}"
        report["forks"] = str(count)
        """
    limits = "        limits:\n          processes: 40\n"
    attempt = target.run(probe_flow(body, extra=limits))
    report = attempt.report()
    assert attempt.execution.state == State.SUCCESS
    assert report["stopped"].startswith("after")
    assert int(report["forks"]) < 40
    assert not _left_over("time.sleep(60)") and not _left_over("main.py")


def test_filling_the_disk_stops_at_the_size_limit(target: Target) -> None:
    body = """
        chunk = b"x" * (1 << 20)
        for i in range(4096):  # 4 GiB, far past the limit, in 1 MiB files
            with open(f"fill-{i}", "wb") as out:
                out.write(chunk)
        """
    attempt = target.run(probe_flow(body, extra="        limits:\n          disk: 24MiB\n"))
    assert attempt.execution.state == State.FAILED
    run = attempt.execution.task_runs[0]
    assert "disk limit" in (run.error or "")


def test_one_big_file_stops_at_the_size_limit_and_tmp_is_bounded(target: Target) -> None:
    body = """
        def fill(path):
            with open(path, "wb") as out:
                for _ in range(4096):
                    out.write(b"x" * (1 << 20))
        attempt("big file", lambda: fill("big"))
        attempt("fill tmp", lambda: fill("/tmp/big"))
        """
    extra = "        limits:\n          disk: 16MiB\n          tmp: 8MiB\n"
    attempt = target.run(probe_flow(body, extra=extra))
    report = attempt.report()
    assert report["big file"] == "denied: OSError"
    assert report["fill tmp"] == "denied: OSError"


def test_nothing_outside_the_working_folder_is_writable(target: Target) -> None:
    places = ["/usr/planted", "/etc/planted", "/planted", str(target.home / "planted"),
              "/var/tmp/planted", "/run/planted", "/root/planted"]  # fmt: skip
    body = f"""
        for path in {places!r}:
            attempt("write " + path, lambda p=path: open(p, "w").write("x"))
        attempt("write here", lambda: open("here.txt", "w").write("x") and 1 / 0)
        """
    attempt = target.run(probe_flow(body))
    report = attempt.report()
    assert_all_denied(attempt, [f"write {p}" for p in places])
    assert report["write here"] == "denied: ZeroDivisionError"  # writing here worked
    assert not any(Path(p).exists() for p in places)


def _left_over(marker: str) -> bool:
    for _ in range(250):
        found = [p for p in descendants(os.getpid()) if marker in _cmdline(p)]
        if not found:
            return False
        threading.Event().wait(0.02)
    return True


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_process_left_running_is_killed_when_the_task_ends(target: Target) -> None:
    body = """
        import subprocess
        subprocess.Popen(["sleep", "306"], start_new_session=True)
        if os.fork() == 0:  # a daemon: double fork, new session
            os.setsid()
            if os.fork() == 0:
                os.execvp("sleep", ["sleep", "307"])
            os._exit(0)
        """
    attempt = target.run(probe_flow(body))
    assert attempt.execution.state == State.SUCCESS
    assert not _left_over("sleep 306")
    assert not _left_over("sleep 307")


def test_team_a_cannot_get_a_team_b_secret_by_any_script(target: Target) -> None:
    db_path = str(target.db_file) if target.db_file else ""
    body = f"""
        import glob, socket
        attempt("key file", lambda: open({str(target.home / "master.key")!r}).read())
        attempt("database file", lambda: open({db_path!r}, "rb").read() if {db_path!r} else 1/0)
        attempt("home", lambda: os.listdir({str(target.home)!r}))
        attempt("postgres", lambda: socket.create_connection(("127.0.0.1", 5432), timeout=3))
        attempt("environ", lambda: [v for v in os.environ.values() if "teamb-" in v] or 1/0)
        """
    attempt = target.run(probe_flow(body, extra="        networkMode: none\n"))
    assert attempt.execution.state == State.SUCCESS
    assert_all_denied(attempt, ["key file", "database file", "home", "postgres", "environ"])
    assert target.team_b_secret not in attempt.text
    # and the expression way is closed too: secret() looks only in team.a's chain
    refused = target.run("""
    id: ask
    namespace: team.a
    tasks:
      - id: t
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - echo "{{ secret('B_TOKEN') }}"
    """)
    assert refused.execution.state == State.FAILED
    assert target.team_b_secret not in refused.text


def test_the_probe_does_find_the_key_file_when_unsandboxed(target: Target) -> None:
    """The probes above can succeed: unconfined (allowed by the server), they do."""
    (target.home / "hushflow.yml").write_text("sandbox:\n  allow_unsandboxed: true\n")
    key = str(target.home / "master.key")
    body = f'attempt("key file", lambda: len(open({key!r}).read()))'
    runner = "        taskRunner:\n          type: io.hushflow.runner.UnsandboxedProcess\n"
    attempt = target.run(probe_flow(body, extra=runner))
    assert attempt.report()["key file"].startswith("DONE")
