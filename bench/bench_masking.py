"""Masking throughput: hushflow's masker against the algorithms other systems use.

Run ``python bench/bench_masking.py`` (about a minute) or add ``--quick``.
Every algorithm masks the same text in the same process, so the ratios hold
on any machine; the absolute numbers are this machine's.

Baselines, each a faithful small re-implementation:

- kestra: for each registered string, ``contains`` then ``replace``;
- airflow: one alternation regex of the escaped values, recompiled on every add;
- github: every form searched in every line (``str.find`` loop), hits merged;
- floor: ``bytes.find`` of one absent pattern over the same buffer.

"first MB after registering" is the throughput of the first mask of 1 MB
right after N values were registered one by one: what a run that registers
many secrets and then logs pays before the fastest engine is ready.

Workload: about 1 MB of log lines (about 100 bytes each), a secret (raw,
base64 or URL-encoded) in 1% of them; N registered values with all the forms
hushflow registers for them (the baselines search the same forms). Slow
baselines run against a time budget on a prefix of the text and report the
throughput they reached.
"""

from __future__ import annotations

import argparse
import base64
import random
import re
import string
import sys
import time
from collections.abc import Callable, Sequence
from urllib.parse import quote

from hushflow.masking import MASK_TOKEN, Masker, available_engines
from hushflow.masking._spans import merge, replace
from hushflow.masking._variants import forms_of

MB = 1_000_000
CHUNK = 64 * 1024
Mask = Callable[[str], str]

WORDS = [
    "INFO",
    "DEBUG",
    "WARN",
    "task",
    "started",
    "finished",
    "running",
    "step",
    "records",
    "processed",
    "user",
    "request",
    "GET",
    "POST",
    "/api/v1/executions",
    "status=200",
    "duration_ms=42",
    "retry",
    "namespace=company.team",
    "flow=etl-daily",
    "taskrun=extract",
    "worker=w-3",
    "bytes=1048576",
    "rows=9182",
    "ok",
    "done",
]


def fake_values(count: int, rng: random.Random) -> list[str]:
    alphabet = string.ascii_letters + string.digits + "-_+/=!@"
    return ["fk" + "".join(rng.choice(alphabet) for _ in range(30)) for _ in range(count)]


def log_text(values: Sequence[str], rng: random.Random, size: int = MB) -> list[str]:
    """Lines of about 100 bytes; 1% carry a secret, raw or encoded."""
    lines: list[str] = []
    total = 0
    while total < size:
        words = " ".join(rng.choice(WORDS) for _ in range(16))
        line = f"2026-11-29T01:00:{len(lines) % 60:02d}Z {words}"[:99]
        if rng.random() < 0.01:
            secret = rng.choice(values)
            shown = rng.choice(
                [secret, base64.b64encode(secret.encode()).decode(), quote(secret, safe="")]
            )
            line = f"{line[:40]} token={shown}"[: 99 + len(shown)]
        lines.append(line + "\n")
        total += len(lines[-1])
    return lines


def kestra(forms: Sequence[str]) -> Mask:
    def mask(text: str) -> str:
        for form in forms:
            if form in text:
                text = text.replace(form, MASK_TOKEN)
        return text

    return mask


def airflow_compile(values: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(value) for value in values))


def airflow(forms: Sequence[str]) -> Mask:
    pattern = airflow_compile(forms)
    return lambda text: pattern.sub(MASK_TOKEN, text)


def github(forms: Sequence[str]) -> Mask:
    def mask(text: str) -> str:
        spans: list[tuple[int, int]] = []
        for form in forms:
            start = text.find(form)
            while start != -1:
                spans.append((start, start + len(form)))
                start = text.find(form, start + 1)
        return replace(text, merge(spans), MASK_TOKEN) if spans else text

    return mask


def hushflow(values: Sequence[str], engine: str | None = None) -> Masker:
    masker = Masker(engine=engine)
    masker.add_all(values)
    return masker


def throughput(mask: Mask, units: Sequence[str], budget: float) -> tuple[float, int]:
    """MB/s over as many units as fit in ``budget`` seconds (at least one), and their count."""
    done = 0
    size = 0
    start = time.perf_counter()
    deadline = start + budget
    for unit in units:
        mask(unit)
        done += 1
        size += len(unit)
        if time.perf_counter() > deadline:
            break
    elapsed = time.perf_counter() - start
    return size / elapsed / MB, done


def best_throughput(mask: Mask, units: Sequence[str], passes: int = 5) -> float:
    """MB/s of the best of ``passes`` full passes, after one warm-up pass (steady state)."""
    for unit in units:
        mask(unit)
    best = 0.0
    size = sum(map(len, units))
    for _ in range(passes):
        start = time.perf_counter()
        for unit in units:
            mask(unit)
        best = max(best, size / (time.perf_counter() - start) / MB)
    return best


def floor_throughput(data: bytes, passes: int = 5) -> float:
    """``bytes.find`` of an absent pattern over the whole buffer: best of ``passes``."""
    best = 0.0
    for _ in range(passes):
        start = time.perf_counter()
        data.find(b"\x00absent-pattern\x00")
        best = max(best, len(data) / (time.perf_counter() - start) / MB)
    return best


def chunks_of(lines: Sequence[str]) -> list[str]:
    text = "".join(lines)
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]


def row(label: str, cells: Sequence[str]) -> None:
    print(f"{label:<34}" + "".join(f"{cell:>13}" for cell in cells))


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "skipped"
    return f"{value:,.0f}{unit}" if value >= 100 else f"{value:,.2f}{unit}"


def bench_size(count: int, budget: float, airflow_limit: int) -> dict[str, float | None]:
    rng = random.Random(count)
    values = fake_values(count, rng)
    forms = sorted({form for value in values for form in forms_of(value, 4).all()})
    lines = log_text(values, rng)
    chunks = chunks_of(lines)
    fast = hushflow(values, available_engines()[0])
    fast.mask("warm up")  # builds the index
    settle = getattr(fast, "_settle", None)
    if settle is not None:
        settle()  # steady state: every segment compacted
    results: dict[str, float | None] = {"forms": float(len(forms))}
    results["hushflow"] = best_throughput(fast.mask, chunks)
    results["floor"] = floor_throughput("".join(lines).encode())
    results["kestra"], _ = throughput(kestra(forms), chunks, budget)
    results["github"], _ = throughput(github(forms), chunks, budget)
    results["airflow"] = None
    if len(forms) <= airflow_limit:
        results["airflow"], _ = throughput(airflow(forms), chunks, budget)
    line_rate = best_throughput(fast.mask, lines)
    results["line_us"] = 100 / line_rate  # µs per 100-byte line
    results["github_line_us"] = 100 / throughput(github(forms), lines, budget / 3)[0]
    masked = fast.mask("".join(lines))
    results["leaks"] = float(sum(value in masked for value in values))
    return results


def bench_register(count: int, with_airflow: bool) -> tuple[float, float | None, str, float]:
    """Seconds to register ``count`` values and mask 1 MB once: hushflow, then airflow.

    Also the MB/s of that first mask alone (the text waits for no scanner
    to be built before it: whatever is not ready costs the mask itself).
    """
    rng = random.Random(7)
    values = fake_values(count, rng)
    text = "".join(log_text(values, rng))
    start = time.perf_counter()
    masker = Masker()
    for value in values:
        masker.add(value)
    registered = time.perf_counter()
    masker.mask(text)
    ours = time.perf_counter() - start
    first_mb = len(text) / (start + ours - registered) / MB
    engine = masker.engine
    settle = getattr(masker, "_settle", None)
    if settle is not None:
        settle()  # no background compile left to compete with what follows
    if not with_airflow:
        return ours, None, engine, first_mb
    start = time.perf_counter()
    seen: list[str] = []
    pattern = airflow_compile(seen)
    for value in values:
        seen.append(value)
        pattern = airflow_compile(seen)
    pattern.sub(MASK_TOKEN, text)
    return ours, time.perf_counter() - start, engine, first_mb


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def _ratio(theirs: float | None, ours: float) -> str:
    if theirs is None:
        return "skipped"
    ratio = theirs / ours
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2f}x"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="smaller budgets, N up to 1,000, airflow up to 100"
    )
    parser.add_argument("--sizes", type=int, nargs="*", help="numbers of values to bench")
    args = parser.parse_args(argv)
    sizes = (10, 100, 1000) if args.quick else (10, 100, 1000, 10000)
    sizes = tuple(args.sizes) if args.sizes else sizes
    budget = 0.15 if args.quick else 0.4
    print(f"engines available: {', '.join(available_engines())}; chunk = 64 KB; text = 1 MB")
    print("throughput in MB/s (64 KB chunks); ratio = hushflow / baseline\n")
    row("N values (forms)", [f"{n:,}" for n in sizes])
    results = {n: bench_size(n, budget, airflow_limit=25_000) for n in sizes}
    for key in ("hushflow", "floor", "kestra", "github", "airflow"):
        row(f"  {key} MB/s", [fmt(results[n][key]) for n in sizes])
    row("  forms registered", [fmt(results[n]["forms"]) for n in sizes])
    for key in ("floor", "kestra", "github", "airflow"):
        ratios = []
        for n in sizes:
            base = results[n][key]
            ours = results[n]["hushflow"]
            ratios.append("skipped" if base is None or ours is None else f"{ours / base:,.2f}x")
        row(f"  hushflow / {key}", ratios)
    row("line by line, µs per 100 B line", [fmt(results[n]["line_us"]) for n in sizes])
    row("  github per line, µs", [fmt(results[n]["github_line_us"]) for n in sizes])
    row("leaked values (must be 0)", [fmt(results[n]["leaks"]) for n in sizes])
    airflow_limit = 100 if args.quick else 1000
    registered = {n: bench_register(n, n <= airflow_limit) for n in sizes}
    row("register N, mask 1 MB once, ms", [fmt(registered[n][0] * 1000) for n in sizes])
    row("  first MB after registering, MB/s", [fmt(registered[n][3]) for n in sizes])
    row("  hushflow engine at that point", [registered[n][2] for n in sizes])
    row("  airflow (recompile per add), ms", [fmt(_ms(registered[n][1])) for n in sizes])
    row("  airflow / hushflow", [_ratio(registered[n][1], registered[n][0]) for n in sizes])
    return 0


if __name__ == "__main__":
    sys.exit(main())
