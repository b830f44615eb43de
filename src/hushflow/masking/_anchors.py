"""Registered forms grouped by their first characters, their *anchor*.

The engines search anchors only; a hit is then verified against the forms
that start with it. The forms of one value share their first characters
(base64 with and without padding, the value and its escapes), so there are
far fewer anchors than forms: engines compile faster, and hyperscan scans
faster with fewer, shorter literals. Hits are rare in real logs, and each
costs one comparison per candidate form.

The grouping grows as values are registered (a few dictionary operations per
form), so building a scanner costs only the engine's own compile of the new
anchors; and a new form whose anchor is already searched needs no new
scanner at all.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable

Span = tuple[int, int]

ANCHOR = 8
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def fold(text: str) -> str:
    """``text`` with ASCII letters in lower case: same length, same offsets.

    Matching ignores ASCII case (``tr a-z A-Z``, ``.upper()``, upper-case
    hex); folding nothing else keeps every offset valid in the original.
    """
    if text.isascii():
        return text.lower()
    if len(text) < 64:
        return text.translate(_ASCII_LOWER)
    # bytes.lower() folds ASCII only; surrogatepass round-trips lone surrogates.
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


Anchor = tuple[str, bool]  # the anchor's text, and whether it is matched in any ASCII case


class Candidates:
    """Forms by anchor, in two key spaces: exact, and caseless (folded). Grows, never shrinks.

    Readers (scans on any thread) see each anchor's tuple replaced whole,
    never half-built. A fork gets a copy, so its own additions stay its own.
    """

    def __init__(
        self,
        exact: dict[str, tuple[str, ...]] | None = None,
        caseless: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._exact: dict[str, tuple[str, ...]] = dict(exact or {})
        self._caseless: dict[str, tuple[str, ...]] = dict(caseless or {})

    def add(self, forms: Iterable[str], caseless: bool) -> list[Anchor]:
        """Register ``forms`` (folded if ``caseless``); return the anchors never seen before."""
        by_anchor = self._caseless if caseless else self._exact
        fresh: list[Anchor] = []
        for form in forms:
            anchor = form[:ANCHOR]
            known = by_anchor.get(anchor)
            if known is None:
                fresh.append((anchor, caseless))
                by_anchor[anchor] = (form,)
            else:
                by_anchor[anchor] = (*known, form)
        return fresh

    def copy(self) -> Candidates:
        return Candidates(self._exact, self._caseless)

    def verify(self, text: str, hits: list[Span], spans: list[Span]) -> None:
        """Append the span of the longest registered form starting at each anchor hit.

        The longest form at a position covers every shorter one there, which
        is all the merged output needs. An engine may report only the longest
        anchor at a position (the regex one does), so when none of its forms
        is there, the shorter anchors it starts with (short forms) are tried.
        """
        exact, caseless = self._exact, self._caseless
        for start, end in hits:
            piece = text[start:end]
            folded = fold(piece)
            for size in range(len(piece), 0, -1):
                longest = max(
                    _longest(text, start, exact.get(piece[:size], ()), str),
                    _longest(text, start, caseless.get(folded[:size], ()), fold),
                )
                if longest:
                    spans.append((start, start + longest))
                    break


def _longest(text: str, start: int, forms: tuple[str, ...], norm: Callable[[str], str]) -> int:
    """The length of the longest of ``forms`` found at ``start`` (after ``norm``), or 0."""
    found = 0
    for form in forms:
        size = len(form)
        if size > found and norm(text[start : start + size]) == form:
            found = size
    return found
