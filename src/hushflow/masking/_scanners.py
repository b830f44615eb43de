"""Multi-pattern scanners: find every occurrence of every form in one pass.

Three engines, fastest first:

- ``hyperscan`` (Intel's SIMD literal matcher, library shipped in the wheel):
  several GB/s whatever the number of forms, but compiling costs about 20 µs
  per anchor (and its compiler releases the GIL);
- ``ahocorasick`` (pyahocorasick): builds about four times faster, scans
  about fifty times slower;
- ``regex``: the standard library only, for when neither C module installs.

Each scanner reports the raw ``(start, end)`` character spans of all matches
of its anchors (see ``_anchors``), overlapping ones included; the caller
verifies them against the registered forms and merges them. Scanners are immutable
once built and safe to share between threads.

Text-level anchors are matched ignoring the case of ASCII letters
(hyperscan's caseless flag), so a secret that a script upper-cases
(``tr a-z A-Z``, ``.upper()``) is still found; the other engines search a
folded copy of the text for every anchor and leave it to verification to
tell exact from caseless. Folding only ASCII keeps every offset where it
was; letters beyond ASCII are registered in both cases instead (see
``_variants``).
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from hushflow.masking._anchors import TRIGGER, Anchor, Span, fold


def _optional(module: str) -> Any:
    """A C extension if it is installed, else None (the slower engines take over)."""
    try:
        return importlib.import_module(module)
    except ImportError:  # pragma: no cover - depends on the platform
        return None


hyperscan: Any = _optional("hyperscan")
ahocorasick: Any = _optional("ahocorasick")

HYPERSCAN = "hyperscan"
AHOCORASICK = "ahocorasick"
REGEX = "regex"


class Scanner(Protocol):
    """Finds every occurrence of a fixed set of forms."""

    engine: str

    def scan(self, text: str, spans: list[Span]) -> None:
        """Append the span of every occurrence of every form in ``text`` to ``spans``."""


def available_engines() -> tuple[str, ...]:
    """The engines this interpreter can use, fastest first."""
    engines = [REGEX]
    if ahocorasick is not None:
        engines.insert(0, AHOCORASICK)
    if hyperscan is not None:
        engines.insert(0, HYPERSCAN)
    return tuple(engines)


def build_scanner(anchors: Sequence[Anchor], engine: str) -> Scanner:
    """A scanner for ``anchors`` using ``engine`` (one of :func:`available_engines`).

    Only hyperscan tells caseless and exact anchors apart; the others find
    every anchor in any case, and verification decides.
    """
    if engine == HYPERSCAN:
        plain = [anchor for anchor in anchors if "\x00" not in anchor[0]]
        if len(plain) == len(anchors):
            return HyperscanScanner(anchors)
        # python-hyperscan passes literals as C strings: a NUL would cut them short.
        nul = sorted({fold(text) for text, _ in anchors if "\x00" in text})
        return CompositeScanner([HyperscanScanner(plain), RegexScanner(nul)])
    folded = sorted({fold(text) for text, _ in anchors})
    if engine == AHOCORASICK:
        return AhoCorasickScanner(folded)
    return RegexScanner(folded)


class CompositeScanner:
    """Several scanners searched one after the other."""

    def __init__(self, parts: Sequence[Scanner]) -> None:
        self.parts = [part for part in parts if part is not None]
        self.engine = "+".join(part.engine for part in self.parts)

    def scan(self, text: str, spans: list[Span]) -> None:
        for part in self.parts:
            part.scan(text, spans)


class HyperscanScanner:
    """Hyperscan's pure-literal compiler in block mode; one scratch space per thread."""

    engine = HYPERSCAN

    def __init__(self, anchors: Sequence[Anchor]) -> None:
        patterns = [text.encode("utf-8", "surrogatepass") for text, _ in anchors]
        self._lengths = [len(pattern) for pattern in patterns]
        self._database: Any = None
        self._local = threading.local()
        if patterns:
            database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            database.compile(
                expressions=patterns,
                ids=list(range(len(patterns))),
                flags=[_flags(anchor) for anchor in anchors],
                literal=True,
            )
            self._database = database

    def scan(self, text: str, spans: list[Span]) -> None:
        if self._database is None or not text:
            return
        ascii_only = text.isascii()
        data = text.encode("ascii") if ascii_only else text.encode("utf-8", "surrogatepass")
        found: list[Span] = []
        self._database.scan(
            data,
            match_event_handler=_on_match,
            context=(found, self._lengths),
            scratch=self._scratch(),
        )
        if found:
            spans.extend(found if ascii_only else _char_spans(data, found))

    def _scratch(self) -> Any:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = hyperscan.Scratch(self._database)
            self._local.scratch = scratch
        return scratch


def _flags(anchor: Anchor) -> int:
    text, caseless = anchor
    if text == TRIGGER:  # seen once per text is enough, however indented the text is
        return int(hyperscan.HS_FLAG_SINGLEMATCH)
    return int(hyperscan.HS_FLAG_CASELESS) if caseless else 0


def _on_match(
    ident: int, _start: int, end: int, _flags: int, context: tuple[list[Span], list[int]]
) -> None:
    found, lengths = context
    found.append((end - lengths[ident], end))


def _char_spans(data: bytes, spans: list[Span]) -> list[Span]:
    """Turn UTF-8 byte offsets (always on character boundaries) into character offsets."""
    offsets: dict[int, int] = {}
    chars = 0
    previous = 0
    for point in sorted({point for span in spans for point in span}):
        chars += len(data[previous:point].decode("utf-8", "surrogatepass"))
        offsets[point] = chars
        previous = point
    return [(offsets[start], offsets[end]) for start, end in spans]


class AhoCorasickScanner:
    """pyahocorasick's automaton: cheap to build, used until traffic pays for hyperscan.

    Its forms are folded (see :func:`fold`); it scans a folded copy of the text.
    """

    engine = AHOCORASICK

    def __init__(self, forms: Sequence[str]) -> None:
        automaton: Any = ahocorasick.Automaton()
        for form in forms:
            automaton.add_word(form, len(form))
        automaton.make_automaton()
        self._automaton = automaton if forms else None

    def scan(self, text: str, spans: list[Span]) -> None:
        if self._automaton is None or not text:
            return
        for last, length in self._automaton.iter(fold(text)):
            spans.append((last + 1 - length, last + 1))


class RegexScanner:
    """Standard-library fallback: a lookahead alternation, longest form first.

    The lookahead matches at every position where some form starts and
    captures the longest such form; the union of those spans equals the union
    of all occurrences, which is all the masker needs.
    """

    engine = REGEX

    def __init__(self, forms: Sequence[str]) -> None:
        ordered = sorted(forms, key=lambda form: (-len(form), form))
        alternation = "|".join(re.escape(form) for form in ordered)
        flags = re.DOTALL | re.IGNORECASE | re.ASCII  # ASCII: fold no other letters
        self._pattern = re.compile(f"(?=({alternation}))", flags) if forms else None

    def scan(self, text: str, spans: list[Span]) -> None:
        if self._pattern is None:
            return
        for match in self._pattern.finditer(text):
            spans.append((match.start(), match.end(1)))
