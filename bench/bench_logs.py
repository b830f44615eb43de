"""Memory and speed with big logs: a script prints N MB, then ``execution logs`` reads them back.

Run ``python bench/bench_logs.py`` (100 MB; ``--quick`` for 20 MB). Everything
runs as real processes in a throw-away ``HUSHFLOW_HOME`` on SQLite:

- ``flow run`` peak memory (the largest RSS among its processes, from the
  kernel's accounting of finished children), printed against the log's size:
  a ratio that stays flat when N grows means memory does not follow the log;
- ``execution logs``: time to its first line and its throughput in MB/s, against
  ``cat`` of a file of the same size in the same run (the floor of a pipe).

Goals (issue: reliability): peak under 200 MB for 100 MB of logs; first line in
under a second; at least 50 MB/s.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LINE = 99  # bytes per line before the newline

FLOW = """\
id: chatty
namespace: bench
tasks:
  - id: talk
    type: io.kestra.plugin.scripts.python.Script
    script: |
      import sys
      line = "x" * {line} + "\\n"
      for _ in range({count}):
          sys.stdout.write(line)
"""


def run_flow(home: Path, megabytes: int) -> tuple[str, float]:
    """Run the chatty flow; its execution id and peak RSS in MB."""
    count = megabytes * 1_000_000 // (LINE + 1)
    flow = home / "chatty.yml"
    flow.write_text(FLOW.format(line=LINE, count=count))
    flow.chmod(0o600)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(
        [sys.executable, "-m", "hushflow", "flow", "run", str(flow)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    listed = subprocess.run(
        [sys.executable, "-m", "hushflow", "execution", "list"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return listed.split()[0], max(peak, before) / 1024


def read_back(argv: list[str]) -> tuple[float, float, int]:
    """Seconds to the first line, seconds in all, and bytes, of a command's output."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    first_line = proc.stdout.readline()
    first = time.perf_counter() - start
    size = len(first_line)
    while chunk := proc.stdout.read(1 << 20):
        size += len(chunk)
    proc.wait()
    return first, time.perf_counter() - start, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 MB instead of 100 MB")
    args = parser.parse_args()
    megabytes = 20 if args.quick else 100
    home = Path(tempfile.mkdtemp(prefix="hushflow-bench-logs-"))
    os.environ["HUSHFLOW_HOME"] = str(home)
    os.environ.pop("HUSHFLOW_DATABASE_URL", None)
    (home / "hushflow.yml").write_text("sandbox:\n  limits: {output: 4GiB}\n")
    (home / "hushflow.yml").chmod(0o600)
    execution_id, peak = run_flow(home, megabytes)
    print(f"{megabytes} MB of logs ({megabytes * 10_000:,} lines) through flow run, SQLite")
    print(f"  flow run peak RSS: {peak:.0f} MB ({peak / megabytes:.2f}x the log size)")
    plain = Path(tempfile.mkdtemp()) / "plain.txt"
    plain.write_bytes((("x" * LINE) + "\n").encode() * (megabytes * 10_000))
    cmd = [sys.executable, "-m", "hushflow", "execution", "logs", execution_id]
    first, total, size = read_back(cmd)
    _, floor, _ = read_back(["cat", str(plain)])
    rate = size / total / 1e6
    print(
        f"  execution logs: first line after {first:.2f} s, {rate:.0f} MB/s ({size / 1e6:.0f} MB)"
    )
    cat_rate = size / floor / 1e6
    print(f"  cat of the same size: {cat_rate:.0f} MB/s (ratio {rate / cat_rate:.3f})")
    goals = peak < 200 and first < 1 and rate >= 50
    print(f"goals (peak < 200 MB, first line < 1 s, >= 50 MB/s): {'met' if goals else 'NOT met'}")


if __name__ == "__main__":
    main()
