"""Multi-pattern scanners: find every occurrence of every form in one pass.

Three engines, fastest first:

- ``hyperscan`` (Intel's SIMD literal matcher, library shipped in the wheel):
  several GB/s whatever the number of forms, but compiling costs about 20 µs
  per form;
- ``ahocorasick`` (pyahocorasick): builds about four times faster, scans
  about fifty times slower;
- ``regex``: the standard library only, for when neither C module installs.

Each scanner reports the raw ``(start, end)`` character spans of all matches,
overlapping ones included; the caller merges them. Scanners are immutable
once built and safe to share between threads.

Every engine matches ignoring the case of ASCII letters (hyperscan's
caseless flag, a folded copy of the text for the others), so a secret that
a script upper-cases (``tr a-z A-Z``, ``.upper()``) is still found. Folding
only ASCII keeps every offset where it was; letters beyond ASCII are
registered in both cases instead (see ``_variants``).
"""

from __future__ import annotations

import importlib
import re
import string
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol


def _optional(module: str) -> Any:
    """A C extension if it is installed, else None (the slower engines take over)."""
    try:
        return importlib.import_module(module)
    except ImportError:  # pragma: no cover - depends on the platform
        return None


hyperscan: Any = _optional("hyperscan")
ahocorasick: Any = _optional("ahocorasick")

Span = tuple[int, int]

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


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def fold(text: str) -> str:
    """``text`` with ASCII letters in lower case: same length, same offsets."""
    if text.isascii():
        return text.lower()
    if len(text) < 64:
        return text.translate(_ASCII_LOWER)
    # bytes.lower() folds ASCII only; surrogatepass round-trips lone surrogates.
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


def build_scanner(forms: Sequence[str], engine: str) -> Scanner:
    """A scanner for ``forms`` using ``engine`` (one of :func:`available_engines`)."""
    return AnchoredScanner(forms, lambda anchors: _engine_scanner(anchors, engine))


def _engine_scanner(forms: Sequence[str], engine: str) -> Scanner:
    if engine == HYPERSCAN:
        plain = [form for form in forms if "\x00" not in form]
        if len(plain) == len(forms):
            return HyperscanScanner(forms)
        # python-hyperscan passes literals as C strings: a NUL would cut them short.
        nul = [form for form in forms if "\x00" in form]
        return CompositeScanner([HyperscanScanner(plain), RegexScanner(nul)])
    if engine == AHOCORASICK:
        return AhoCorasickScanner(forms)
    return RegexScanner(forms)


ANCHOR = 8


class AnchoredScanner:
    """Searches the first :data:`ANCHOR` characters of each form, then verifies hits.

    The forms of one value share their first characters (base64 with and
    without padding, the value and its escapes), so there are far fewer
    distinct anchors than forms: the engine compiles two to four times
    faster, and hyperscan scans faster with fewer, shorter literals. Hits are
    rare in real logs, and each costs one ``startswith`` per candidate.
    The longest form that matches at a position covers every shorter one
    there, which is all the merged output needs.
    """

    def __init__(self, forms: Sequence[str], build: Callable[[Sequence[str]], Scanner]) -> None:
        candidates: dict[str, list[str]] = {}
        for form in sorted({fold(form) for form in forms}, key=len, reverse=True):
            candidates.setdefault(form[:ANCHOR], []).append(form)
        self._candidates = _with_shorter_forms(candidates)
        self._inner = build(sorted(candidates))
        self.engine = self._inner.engine

    def scan(self, text: str, spans: list[Span]) -> None:
        hits: list[Span] = []
        self._inner.scan(text, hits)
        candidates = self._candidates
        for start, end in hits:
            for form in candidates[fold(text[start:end])]:
                if fold(text[start : start + len(form)]) == form:
                    spans.append((start, start + len(form)))
                    break


def _with_shorter_forms(candidates: dict[str, list[str]]) -> dict[str, list[str]]:
    """Let each anchor also try the short forms that are its prefixes.

    An engine may report only the longest anchor at a position (the regex
    one does); if that anchor's forms do not verify, a shorter form starting
    there must still be found.
    """
    extended: dict[str, list[str]] = {}
    for anchor, forms in candidates.items():
        shorter = [
            form
            for size in range(len(anchor) - 1, 0, -1)
            for form in candidates.get(anchor[:size], ())
        ]
        extended[anchor] = forms + shorter if shorter else forms
    return extended


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

    def __init__(self, forms: Sequence[str]) -> None:
        patterns = [form.encode("utf-8", "surrogatepass") for form in forms]
        self._lengths = [len(pattern) for pattern in patterns]
        self._database: Any = None
        self._local = threading.local()
        if patterns:
            database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            database.compile(
                expressions=patterns,
                ids=list(range(len(patterns))),
                flags=hyperscan.HS_FLAG_CASELESS,
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
