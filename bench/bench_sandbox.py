"""Sandbox cost: start-up per script task, and the 40-task Python chain.

Baselines run in the same process, on the same machine:

- start-up: ``/bin/true`` started bare, against the same started through the
  bubblewrap command line hushflow builds for a script task (namespaces,
  mounts, privilege drop, limits). Goal: under 10 ms extra per task.
- chain: 40 sequential ``python.Script`` tasks run by the engine in the
  sandbox, against the same flow with the unsandboxed runner (allowed by the
  configuration for the bench), and against 40 bare Python processes.

    python bench/bench_sandbox.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hushflow.engine.runner import Engine
from hushflow.models import parse_flow
from hushflow.storage.database import open_database
from hushflow.tasks import sandbox
from hushflow.tasks.sandbox_config import Limits

FIBO = "def f(n):\n    return n if n < 2 else f(n - 1) + f(n - 2)\nprint(f(10))\n"
GOAL_MS = 10.0


def _timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def startup(runs: int) -> None:
    """Bare ``/bin/true`` against ``/bin/true`` in the sandbox."""
    bwrap = sandbox.find_bwrap()
    with tempfile.TemporaryDirectory(prefix="hushflow-bench-") as folder:
        spec = sandbox.SandboxSpec(
            workdir=Path(folder),
            network=False,
            limits=Limits(),
            readonly=sandbox.interpreter_prefixes(),
        )
        argv = sandbox.bwrap_argv(bwrap, spec, ["/bin/true"])
        # bubblewrap alone: the same namespaces and mounts, no privilege drop or limits
        cut = argv.index("--", argv.index("--chdir"))
        mounts_only = [*argv[:cut], "--", "/bin/true"]
        env = {"PATH": "/usr/bin:/bin"}

        def bare() -> None:
            subprocess.run(["/bin/true"], env=env, check=True)

        def boxed() -> None:
            subprocess.run(argv, env=env, check=True, cwd=folder)

        def mounts() -> None:
            subprocess.run(mounts_only, env=env, check=True, cwd=folder)

        bare(), boxed(), mounts()  # warm the page cache
        plain, inside, setup = _timed(bare, runs), _timed(boxed, runs), _timed(mounts, runs)
    a, b, c = statistics.median(plain), statistics.median(inside), statistics.median(setup)
    print(f"start-up, median of {runs}: bare {a:.2f} ms, sandboxed {b:.2f} ms")
    print(f"  extra per task: {b - a:.2f} ms (goal < {GOAL_MS:.0f} ms) ratio {b / a:.1f}x")
    print(f"  of which namespaces and mounts (bwrap alone): {c - a:.2f} ms")
    low = min(inside) - min(plain)
    print(f"  best case (fastest of each): {low:.2f} ms extra; the machine's load shows in the gap")


def chain_flow(steps: int, runner: str | None) -> str:
    lines = ["id: chain", "namespace: bench", "tasks:"]
    for i in range(steps):
        lines += [f"  - id: t{i}", "    type: io.kestra.plugin.scripts.python.Script"]
        lines += ["    warningOnStdErr: false"]
        if runner:
            lines += ["    taskRunner:", f"      type: {runner}"]
        lines += ["    script: |", *("      " + line for line in FIBO.splitlines())]
    return "\n".join(lines) + "\n"


def run_chain(engine: Engine, text: str) -> float:
    start = time.perf_counter()
    ex = engine.submit(parse_flow(text))
    done = engine.wait(ex.id, timeout=600)
    assert done.state.value == "SUCCESS", done.state
    return time.perf_counter() - start


def bare_chain(steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        subprocess.run([sys.executable, "-c", FIBO], check=True, capture_output=True)
    return time.perf_counter() - start


def chains(steps: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="hushflow-bench-home-") as home:
        os.environ["HUSHFLOW_HOME"] = home
        Path(home, "hushflow.yml").write_text("sandbox:\n  allow_unsandboxed: true\n")
        db = open_database(f"sqlite:///{home}/bench.db")
        engine = Engine(db)
        try:
            boxed_text = chain_flow(steps, None)
            open_text = chain_flow(steps, "io.hushflow.runner.UnsandboxedProcess")
            run_chain(engine, chain_flow(2, None))  # warm-up
            boxed = min(run_chain(engine, boxed_text) for _ in range(rounds))
            unboxed = min(run_chain(engine, open_text) for _ in range(rounds))
            bare = min(bare_chain(steps) for _ in range(rounds))
        finally:
            engine.close()
            db.dispose()
    print(f"{steps}-task Python chain, best of {rounds}:")
    print(f"  bare processes      {bare:7.2f} s  1.00x")
    print(f"  engine, unsandboxed {unboxed:7.2f} s  {unboxed / bare:.2f}x")
    print(f"  engine, sandboxed   {boxed:7.2f} s  {boxed / bare:.2f}x  ", end="")
    print(f"({(boxed - unboxed) / steps * 1000:.1f} ms per task over unsandboxed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args()
    startup(20 if args.quick else 200)
    chains(40, 1 if args.quick else 3)


if __name__ == "__main__":
    main()
