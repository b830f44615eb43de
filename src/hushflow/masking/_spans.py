"""Merging match spans and writing the token over them."""

from __future__ import annotations

from hushflow.masking._anchors import Span


def merge(spans: list[Span]) -> list[Span]:
    """Sorted runs of masked text: overlapping *and adjacent* spans become one.

    Merging adjacent spans is what keeps the output from revealing where one
    secret ends and the next begins, or how long the hidden text was.
    """
    if len(spans) < 2:
        return spans
    spans.sort()
    merged: list[Span] = []
    start, end = spans[0]
    for next_start, next_end in spans[1:]:
        if next_start <= end:
            end = max(end, next_end)
        else:
            merged.append((start, end))
            start, end = next_start, next_end
    merged.append((start, end))
    return merged


def replace(text: str, runs: list[Span], token: str) -> str:
    """``text`` with each run (sorted, disjoint, non-adjacent) replaced by ``token``."""
    pieces: list[str] = []
    position = 0
    for start, end in runs:
        pieces.append(text[position:start])
        pieces.append(token)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
