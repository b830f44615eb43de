"""Compiled templates (and cached jq programs) are shared safely between threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from hushflow.expressions import compile_template, render_typed, taint

TEMPLATE = (
    "{{ data | jq('.items | map(. * 2) | add') | first }}:"
    "{% for x in data['items'] %}{{ x }}{% endfor %}:{{ pw | upper }}"
)


def work(worker: int) -> list[tuple[str, frozenset[str], str, frozenset[str]]]:
    results = []
    for round_ in range(50):
        items = [worker, round_, 1]
        secret = f"pw-{worker}-{round_}"
        result = render_typed(TEMPLATE, {"data": {"items": items}, "pw": taint(secret)})
        expected = f"{sum(items) * 2}:{''.join(map(str, items))}:{secret.upper()}"
        results.append((result.text, result.tainted, expected, frozenset({secret.upper()})))
    return results


def test_concurrent_renders_do_not_mix_state() -> None:
    compile_template(TEMPLATE)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for results in pool.map(work, range(8)):
            for text, tainted, expected, expected_tainted in results:
                assert text == expected
                assert tainted == expected_tainted
