"""Seeing through terminal colour codes.

Tools colour parts of what they print (``grep --color``, ``jq -C``, test
runners), and a colour code can land *inside* a secret: the bytes are no
longer contiguous, so a literal matcher misses them. A second pass matches
the visible text (CSI sequences removed) and maps the hits back onto the
original, swallowing the codes inside the masked run.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from hushflow.masking._anchors import Span

ESCAPE = "\x1b"
# ECMA-48 control sequence: parameter bytes, intermediate bytes, one final byte.
_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
# What may still become a control sequence once more text arrives.
_UNFINISHED = re.compile(r"\x1b(?:\[[0-?]*[ -/]*)?\Z")


def visible_spans(text: str, scan: Callable[[str], list[Span]]) -> list[Span]:
    """Spans of matches in the visible text of ``text``, in ``text``'s coordinates."""
    starts: list[int] = []
    shifts: list[int] = []
    pieces: list[str] = []
    position = removed = shown = 0
    for match in _CSI.finditer(text):
        pieces.append(text[position : match.start()])
        shown += match.start() - position
        removed += match.end() - match.start()
        starts.append(shown)
        shifts.append(removed)
        position = match.end()
    if not starts:
        return []
    pieces.append(text[position:])

    def original(index: int) -> int:
        before = bisect_right(starts, index)
        return index + (shifts[before - 1] if before else 0)

    return [(original(start), original(end - 1) + 1) for start, end in scan("".join(pieces))]


def stream_cut(text: str, keep: int) -> int:
    """Where a stream may cut ``text`` so that at least ``keep`` visible characters stay.

    Complete control sequences and an unfinished one at the end do not
    count as visible; the cut never falls inside a control sequence.
    """
    cut = len(text) - keep
    if ESCAPE not in text:
        return cut
    hidden = [match.span() for match in _CSI.finditer(text)]
    unfinished = _UNFINISHED.search(text)
    if unfinished and (not hidden or hidden[-1][1] <= unfinished.start()):
        hidden.append((unfinished.start(), len(text)))
    remaining, position = keep, len(text)
    for start, end in reversed(hidden):
        if position - end >= remaining:
            break
        remaining -= position - end
        position = start
    cut = min(cut, position - remaining)
    for start, end in hidden:
        if start < cut < end:
            return start
    return cut
