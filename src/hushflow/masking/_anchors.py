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
from collections.abc import Iterable

Span = tuple[int, int]

ANCHOR = 8
# Every ``od -c`` dump line with a printable character has three spaces in a row:
# only a text holding them is searched for the forms of such dumps (see ``Masker``).
TRIGGER = "   "
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
        reach: dict[str, int] | None = None,
    ) -> None:
        self._exact: dict[str, tuple[str, ...]] = dict(exact or {})
        self._caseless: dict[str, tuple[str, ...]] = dict(caseless or {})
        # The longest caseless form under each anchor: how much text one fold covers.
        self._reach: dict[str, int] = dict(reach or {})
        # Whether some form is shorter than an anchor: only then are shorter anchors tried.
        known = (*self._exact, *self._caseless)
        self._short = any(len(a) < ANCHOR for a in known if a != TRIGGER)

    def add(self, forms: Iterable[str], caseless: bool) -> list[Anchor]:
        """Register ``forms``; return the anchors never seen before.

        Each anchor keeps its forms longest first, so a hit stops at the first
        that fits. A caseless form is also kept as written under the exact
        key space (without an anchor of its own: its folded anchor, matched
        in any case, finds it), so the usual hit, a secret printed as it is,
        is verified without folding any text.
        """
        fresh: list[Anchor] = []
        if caseless:
            forms = list(forms)
            self._merge(self._exact, forms)
            for anchor, longest in self._merge(self._caseless, map(fold, forms), fresh):
                self._reach[anchor] = longest
        else:
            self._merge(self._exact, forms, fresh)
        return fresh

    def _merge(
        self,
        by_anchor: dict[str, tuple[str, ...]],
        forms: Iterable[str],
        fresh: list[Anchor] | None = None,
    ) -> list[tuple[str, int]]:
        """Add ``forms`` under their anchors; note new anchors in ``fresh`` if given."""
        grouped: dict[str, list[str]] = {}
        for form in forms:
            grouped.setdefault(form[:ANCHOR], []).append(form)
        touched: list[tuple[str, int]] = []
        for anchor, group in grouped.items():
            known = by_anchor.get(anchor)
            if known is None:
                self._short |= len(anchor) < ANCHOR
                if fresh is not None:
                    fresh.append((anchor, by_anchor is self._caseless))
                known = ()
            group.sort(key=len, reverse=True)
            if known and len(group[0]) > len(known[-1]):
                merged = tuple(sorted((*known, *group), key=len, reverse=True))
            else:  # the usual case (``od`` windows are all alike): no re-sort of what is known
                merged = known + tuple(group)
            by_anchor[anchor] = merged
            touched.append((anchor, len(merged[0])))
        return touched

    def add_trigger(self) -> list[Anchor]:
        """:data:`TRIGGER` as an anchor without forms, the first time only."""
        if TRIGGER in self._exact:
            return []
        self._exact[TRIGGER] = ()
        return [(TRIGGER, False)]

    def copy(self) -> Candidates:
        return Candidates(self._exact, self._caseless, self._reach)

    def verify(self, text: str, hits: list[Span], spans: list[Span]) -> bool:
        """Append the span of the longest registered form starting at each anchor hit.

        The longest form at a position covers every shorter one there, which
        is all the merged output needs. An engine may report only the longest
        anchor at a position (the regex one does), so when none of its forms
        is there, the shorter anchors it starts with (short forms) are tried.
        True if a hit starts with :data:`TRIGGER`.
        """
        exact = self._exact
        triggered = False
        for start, end in hits:
            piece = text[start:end]
            if piece[:3] == TRIGGER:
                triggered = True
                if piece == TRIGGER:
                    continue
            longest = _longest(text, start, exact.get(piece, ()))
            if not longest:
                longest = self._fallback(text, start, piece)
            if longest:
                spans.append((start, start + longest))
        return triggered

    def _fallback(self, text: str, start: int, piece: str) -> int:
        """A hit not verified as written: another letter case, or a shorter anchor."""
        exact, caseless = self._exact, self._caseless
        folded = fold(piece)
        shortest = 1 if self._short else len(piece)
        for size in range(len(piece), shortest - 1, -1):
            longest = _longest(text, start, exact.get(piece[:size], ())) if size < len(piece) else 0
            forms = caseless.get(folded[:size])
            if forms:
                window = fold(text[start : start + self._reach[folded[:size]]])
                longest = max(longest, _longest(window, 0, forms))
            if longest:
                return longest
        return 0


def _longest(text: str, start: int, forms: tuple[str, ...]) -> int:
    """The length of the longest of ``forms`` (longest first) found at ``start``, or 0."""
    for form in forms:
        if text.startswith(form, start):
            return len(form)
    return 0
