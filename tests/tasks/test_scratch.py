"""Task working folders are grouped per process; what a killed process left is swept at the next start."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from hushflow.procinfo import start_ticks
from hushflow.tasks.scratch import PREFIX, process_root, sweep_stale

REPO = Path(__file__).resolve().parents[2]


def test_a_folder_of_a_dead_process_is_swept_and_live_ones_are_kept(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    ticks = start_ticks(child.pid)
    child.wait()
    dead = tmp_path / f"{PREFIX}{child.pid}-{ticks}"
    (dead / "hushflow-task-x").mkdir(parents=True)
    (dead / "hushflow-task-x" / "data").write_text("left behind")
    mine = tmp_path / f"{PREFIX}{os.getpid()}-{start_ticks(os.getpid())}"
    mine.mkdir()
    reused = tmp_path / f"{PREFIX}{os.getpid()}-1"  # this pid, but another start time
    reused.mkdir()
    other = tmp_path / "hushflow-unrelated"
    other.mkdir()
    removed = sweep_stale(tmp_path)
    assert sorted(removed) == sorted([dead, reused])
    assert mine.is_dir() and other.is_dir()
    assert not dead.exists()


def test_this_process_root_is_private_and_named_for_it() -> None:
    root = process_root()
    assert root.name == f"{PREFIX}{os.getpid()}-{start_ticks(os.getpid())}"
    assert root.stat().st_mode & 0o777 == 0o700


def test_a_killed_flow_runs_folders_are_removed_by_the_next_start(tmp_path: Path) -> None:
    marker = f"120.{secrets.randbelow(10**6)}"  # a sleep no other process runs
    flow = tmp_path / "slow.yml"
    flow.write_text(
        "id: slow\nnamespace: t\ntasks:\n  - id: work\n"
        "    type: io.kestra.plugin.scripts.shell.Commands\n"
        f"    commands: [echo working, sleep {marker}]\n"
    )
    quick = tmp_path / "quick.yml"
    quick.write_text(
        "id: quick\nnamespace: t\ntasks:\n  - id: l\n"
        "    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "HUSHFLOW_"))}
    env["HUSHFLOW_HOME"] = str(tmp_path / "home")
    # A temporary folder of their own: engines of other tests sweep the shared one.
    env["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    run = [sys.executable, "-m", "hushflow", "flow", "run"]
    proc = subprocess.Popen([*run, str(flow)], env=env, cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    while "working" not in proc.stdout.readline():
        assert proc.poll() is None
    left = tmp_path / "tmp" / f"{PREFIX}{proc.pid}-{start_ticks(proc.pid)}"
    assert any(left.glob("hushflow-work-*"))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    subprocess.run(["pkill", "-KILL", "-f", f"sleep {marker}"], check=False)
    time.sleep(0.2)
    assert left.is_dir()  # nothing could remove it
    done = subprocess.run([*run, str(quick)], env=env, cwd=REPO, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not left.exists()
