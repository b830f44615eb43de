"""API load: concurrent clients start executions and follow their logs over loopback.

``hushflow server local`` runs as a real process on the embedded SQLite
default (a fresh ``HUSHFLOW_HOME``); clients in this process start
executions through ``POST /executions/{namespace}/{flowId}`` and follow
logs through the SSE route. Printed: starts/s, p50 and p99 latency, and the
same figures for ``GET /health`` at the same concurrency, measured in the
same run (the HTTP floor of this machine), as a ratio. Then it checks that
nothing was lost: every accepted start has an execution and every log line
is stored exactly once. The goal on a 2-core machine is >= 200 starts/s
with p99 < 100 ms; the figures are reported, never asserted.

    python bench/bench_api.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

FLOW = """\
id: load
namespace: bench.api
inputs:
  - id: n
    type: INT
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "line {{ inputs.n }}"
"""


def start_server(home: Path, token: str) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUSHFLOW_", "SECRET_"))}
    env.update(HUSHFLOW_HOME=str(home), HUSHFLOW_BOOTSTRAP_ADMIN_TOKEN=token)
    out = home / "server.out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hushflow", "server", "local", "--host", "127.0.0.1",
         "--port", "0", "--workers", "16"],
        stdout=out.open("wb"), stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"API on (http://\S+/api/v1/main)", out.read_text(errors="replace"))
        if found:
            return proc, found.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server did not start:\n{out.read_text(errors='replace')}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


Request = Callable[[httpx.AsyncClient, int], Awaitable[object]]


@dataclass
class Phase:
    """One load phase: how long it took, each call's latency, each call's result."""

    name: str
    seconds: float
    latencies: list[float]
    results: list[object]

    @property
    def rate(self) -> float:
        return len(self.results) / self.seconds

    def line(self) -> str:
        p50, p99 = pct(self.latencies, 0.5), pct(self.latencies, 0.99)
        return f"{self.name:20} {self.rate:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"


async def hammer(
    client: httpx.AsyncClient, name: str, total: int, concurrency: int, request: Request
) -> Phase:
    """``total`` calls of ``request(client, i)`` shared by ``concurrency`` workers."""
    latencies: list[float] = []
    results: list[object] = [None] * total
    next_index = iter(range(total))

    async def worker() -> None:
        for i in next_index:
            t0 = time.perf_counter()
            results[i] = await request(client, i)
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Phase(name, time.perf_counter() - start, latencies, results)


async def health(client: httpx.AsyncClient, _i: int) -> object:
    response = await client.get("/health")
    response.raise_for_status()
    return None


async def start_one(client: httpx.AsyncClient, i: int) -> object:
    response = await client.post("/executions/bench.api/load", json={"n": i})
    if response.status_code != 200:
        return None
    return response.json()["id"]


async def follow(client: httpx.AsyncClient, execution_id: str) -> list[str]:
    lines = []
    async with client.stream("GET", f"/logs/{execution_id}/follow") as response:
        event = None
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event == "log":
                lines.append(json.loads(line[5:])["message"])
    return lines


async def count(client: httpx.AsyncClient, states: list[str] | None = None) -> int:
    params: dict[str, object] = {"namespace": "bench.api", "size": 1}
    if states:
        params["state"] = states
    return int((await client.get("/executions/search", params=params)).json()["total"])


async def settle(client: httpx.AsyncClient) -> None:
    """Let the engine finish what was started (bounded)."""
    for _ in range(600):
        if await count(client, ["CREATED", "RUNNING"]) == 0:
            return
        await asyncio.sleep(0.5)


async def run(base: str, token: str, total: int, concurrency: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120, limits=limits) as c:
        yaml = {"Content-Type": "application/x-yaml"}
        (await c.post("/flows", content=FLOW, headers=yaml)).raise_for_status()
        await hammer(c, "warm-up", 50, concurrency, health)
        floor = await hammer(c, "GET /health (floor)", total, concurrency, health)
        starts = await hammer(c, "POST execution", total, concurrency, start_one)
        accepted = [str(i) for i in starts.results if i]
        sample = accepted[:: max(1, total // 20)]
        followed = await asyncio.gather(*(follow(c, i) for i in sample))
        await settle(c)
        stored = await count(c)
        logs = await asyncio.gather(*(c.get(f"/logs/{i}") for i in accepted))
    report(total, concurrency, floor, starts, stored, logs, followed)


def report(
    total: int,
    concurrency: int,
    floor: Phase,
    starts: Phase,
    stored: int,
    logs: list[httpx.Response],
    followed: list[list[str]],
) -> None:
    accepted = sum(1 for i in starts.results if i)
    once = sum(1 for r in logs if len(r.json()) == 1)
    p99 = pct(starts.latencies, 0.99)
    print(f"requests: {total} per phase, {concurrency} concurrent clients, loopback, SQLite")
    print(floor.line())
    print(starts.line())
    ratio = p99 / pct(floor.latencies, 0.99)
    print(f"starts/s over the HTTP floor: {starts.rate / floor.rate:.2f}; p99 ratio {ratio:.1f}x")
    met = starts.rate >= 200 and p99 < 100
    print(f"goal >= 200 starts/s with p99 < 100 ms: {'met' if met else 'NOT met'}")
    print(f"accepted {accepted}/{total}; stored {stored}; one stored log line: {once}/{accepted}")
    good = sum(1 for f in followed if len(f) == 1)
    print(f"followed {len(followed)} log streams over SSE: {good} got their one line")
    lost = accepted != stored or once != accepted or good != len(followed)
    print("nothing lost" if not lost else "LOST OR DUPLICATED DATA")
    if lost:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short run (CI)")
    args = parser.parse_args()
    total, concurrency = (200, 8) if args.quick else (2000, 32)
    token = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server(Path(tmp), token)
        try:
            asyncio.run(run(base, token, total, concurrency))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)


if __name__ == "__main__":
    main()
