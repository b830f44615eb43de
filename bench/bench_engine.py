"""Engine speed: per-step overhead, a chain of Python processes, and throughput.

Windmill's cross-engine workload (40 sequential tasks) and a burst of
executions, run here on the embedded SQLite default, with the baselines run
in the same process: a plain loop of the same 40 Python processes (the floor
for the process chain). Published figures from other engines ran on other
hardware, so only per-step overhead is compared with them.

    python bench/bench_engine.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hushflow.engine.runner import Engine
from hushflow.models import parse_flow
from hushflow.models.registry import registry
from hushflow.storage.database import open_database

FIBO = "def f(n):\n    return n if n < 2 else f(n - 1) + f(n - 2)\nprint(f(10))\n"
PUBLISHED_MS_PER_STEP = {"Kestra": 150.0, "Hatchet": 31.0}


def chain(kind: str, steps: int) -> str:
    lines = ["id: chain", "namespace: bench", "tasks:"]
    for i in range(steps):
        if kind == "return":
            lines += [
                f"  - id: t{i}",
                "    type: io.kestra.plugin.core.debug.Return",
                "    format: x",
            ]
        else:
            lines += [
                f"  - id: t{i}",
                "    type: io.kestra.plugin.scripts.python.Script",
                "    warningOnStdErr: false",
                "    script: |",
                *("      " + line for line in FIBO.splitlines()),
            ]
    return "\n".join(lines) + "\n"


def run_once(engine: Engine, text: str) -> float:
    flow = parse_flow(text)
    start = time.perf_counter()
    ex = engine.submit(flow)
    done = engine.wait(ex.id, timeout=600)
    elapsed = time.perf_counter() - start
    assert done.state.value == "SUCCESS", done.state
    return elapsed


def plain_loop(steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        subprocess.run([sys.executable, "-c", FIBO], check=True, capture_output=True)
    return time.perf_counter() - start


def throughput(engine: Engine, count: int) -> tuple[float, list[float]]:
    flow = parse_flow(chain("return", 1))
    start = time.perf_counter()
    ids = [engine.submit(flow).id for _ in range(count)]
    done = [engine.wait(i, timeout=600) for i in ids]
    elapsed = time.perf_counter() - start
    latencies = [(d.ended - d.created).total_seconds() for d in done if d.ended]
    return count / elapsed, latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and executions")
    args = parser.parse_args()
    repeats, burst, steps = (3, 200, 40) if args.quick else (5, 1000, 40)
    with tempfile.TemporaryDirectory() as home:
        db = open_database(f"sqlite:///{Path(home) / 'bench.db'}")
        engine = Engine(db, workers=8)
        try:
            run_once(engine, chain("return", 2))  # warm up
            totals = [run_once(engine, chain("return", steps)) for _ in range(repeats)]
            per_step_ms = statistics.median(totals) / steps * 1000
            print(
                f"40 in-process Return tasks: {statistics.median(totals) * 1000:.1f} ms "
                f"(median of {repeats}) = {per_step_ms:.2f} ms per step (goal <= 5 ms)"
            )
            for name, ms in PUBLISHED_MS_PER_STEP.items():
                print(
                    f"  vs {name}'s published {ms:.0f} ms per step: "
                    f"{ms / per_step_ms:.0f}x less overhead"
                )
            if registry.get("io.kestra.plugin.scripts.python.Script") is not None:
                ours = statistics.median(
                    run_once(engine, chain("python", steps)) for _ in range(repeats)
                )
                floor = statistics.median(plain_loop(steps) for _ in range(repeats))
                print(
                    f"40 Python processes fibo(10): hushflow {ours:.2f} s, "
                    f"plain loop {floor:.2f} s, "
                    f"ratio {ours / floor:.3f} (goal <= 1.10)"
                )
            else:
                print("python.Script task not available: process chain skipped")
            rate, lat = throughput(engine, burst)
            print(
                f"{burst} one-task executions at once: {rate:.0f} executions/s, "
                f"latency p50 {pct(lat, 0.5) * 1000:.0f} ms, p99 {pct(lat, 0.99) * 1000:.0f} ms "
                "(goal >= 100/s, p50 < 50 ms)"
            )
        finally:
            engine.close()
            db.dispose()


if __name__ == "__main__":
    main()
