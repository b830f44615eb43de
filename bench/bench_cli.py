"""CLI start-up: how long ``hushflow --help`` and other light commands take.

Run ``python bench/bench_cli.py`` (``--quick`` for fewer runs). Each command is
started as a fresh process, as a user types it, and timed wall-clock (median of
N runs). Baselines run in the same session, so the ratios hold on any machine:

- ``python -c pass``: the interpreter alone, the floor no Python CLI goes under;
- eager: ``--help`` after importing every sub-command module, which is what the
  CLI did before its groups became lazy.

Goal (issue: server): ``hushflow --help`` under 300 ms on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

EAGER = (
    "from importlib import import_module\n"
    "from hushflow.cli.main import COMMANDS, main\n"
    "[import_module(m) for m, _, _ in COMMANDS]\n"
    "main(['--help'])\n"
)

CASES: list[tuple[str, list[str]]] = [
    ("python -c pass", [sys.executable, "-c", "pass"]),
    ("hushflow --help", [sys.executable, "-m", "hushflow", "--help"]),
    ("hushflow --version", [sys.executable, "-m", "hushflow", "--version"]),
    ("hushflow plugins --help", [sys.executable, "-m", "hushflow", "plugins", "--help"]),
    ("hushflow expression --help", [sys.executable, "-m", "hushflow", "expression", "--help"]),
    ("hushflow execution list", [sys.executable, "-m", "hushflow", "execution", "list"]),
    ("eager --help (before)", [sys.executable, "-c", EAGER]),
]


def median_ms(argv: list[str], runs: int) -> float:
    """Median wall-clock milliseconds of ``runs`` fresh processes."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 runs per command instead of 21")
    args = parser.parse_args()
    runs = 5 if args.quick else 21
    home = tempfile.mkdtemp(prefix="hushflow-bench-cli-")
    os.environ["HUSHFLOW_HOME"] = home  # a private, empty home: the list is empty
    os.environ.pop("HUSHFLOW_DATABASE_URL", None)
    subprocess.run(CASES[-2][1], check=True, stdout=subprocess.DEVNULL)  # set the schema up
    results = {name: median_ms(argv, runs) for name, argv in CASES}
    floor = results["python -c pass"]
    eager = results["eager --help (before)"]
    print(f"median of {runs} fresh processes each")
    print(f"{'command':32} {'ms':>8} {'x python':>9} {'x eager':>8}")
    for name, ms in results.items():
        print(f"{name:32} {ms:8.1f} {ms / floor:9.2f} {ms / eager:8.2f}")
    verdict = "meets" if results["hushflow --help"] < 300 else "misses"
    print(f"hushflow --help: {results['hushflow --help']:.0f} ms ({verdict} the 300 ms goal)")


if __name__ == "__main__":
    main()
