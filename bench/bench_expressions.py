"""Render throughput of hushflow's expression engine vs Jinja2's ImmutableSandboxedEnvironment.

Both engines compile each template once, then render it repeatedly on the same
data in this process; the script prints renders per second and the ratio
(hushflow / Jinja2; above 1.0 means hushflow is faster). Run:

    python bench/bench_expressions.py
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment

from hushflow.expressions import compile_template

DATA: dict[str, Any] = {
    "user": {"name": "  Ada Lovelace ", "age": 36, "tags": ["Math", "Engines", "Poetry"]},
    "items": [{"name": f"item-{i}", "value": i * 3} for i in range(100)],
}

# The same source text is valid in both engines.
TEMPLATES = {
    "simple variable access": "Hello {{ user.name }}, you are {{ user.age }}!",
    "filter chain": (
        "{{ user.name | trim | upper }} / {{ user.tags | join(', ') | lower }} / "
        "{{ user.tags | first | upper }} / {{ user.tags | length }} / "
        "{{ missing | default('none') | upper }}"
    ),
    "loop (100 items)": (
        "{% for item in items %}{{ loop.index }}: {{ item.name }} = {{ item.value }}\n{% endfor %}"
    ),
}

ROUNDS = 7
SECONDS_PER_ROUND = 0.25


def calibrate(fn: Callable[[], object]) -> int:
    """How many calls of ``fn`` take about ``SECONDS_PER_ROUND``."""
    count = 1
    while True:
        start = time.perf_counter()
        for _ in range(count):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= 0.05:
            return max(1, int(count * SECONDS_PER_ROUND / elapsed))
        count *= 2


def rate(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return calls / (time.perf_counter() - start)


def compare(ours: Callable[[], object], theirs: Callable[[], object]) -> tuple[float, float]:
    """Best renders/second of each, measured in alternating rounds.

    Alternating keeps both engines under the same machine load (the bench may
    share its cores with other work), and the best round is the least disturbed.
    """
    ours_calls, theirs_calls = calibrate(ours), calibrate(theirs)
    ours_best = theirs_best = 0.0
    for _ in range(ROUNDS):
        ours_best = max(ours_best, rate(ours, ours_calls))
        theirs_best = max(theirs_best, rate(theirs, theirs_calls))
    return ours_best, theirs_best


def main() -> None:
    jinja = ImmutableSandboxedEnvironment()
    print(f"{'template':<26}{'hushflow/s':>14}{'jinja2/s':>14}{'ratio':>8}")
    for name, source in TEMPLATES.items():
        ours = compile_template(source)
        theirs = jinja.from_string(source)
        ours.render(DATA)
        theirs.render(DATA)
        ours_rate, theirs_rate = compare(
            lambda ours=ours: ours.render(DATA), lambda theirs=theirs: theirs.render(DATA)
        )
        ratio = ours_rate / theirs_rate
        print(f"{name:<26}{ours_rate:>14,.0f}{theirs_rate:>14,.0f}{ratio:>8.2f}")
    print("ratio = hushflow renders/s divided by Jinja2 renders/s (above 1.0: hushflow is faster)")


if __name__ == "__main__":
    main()
