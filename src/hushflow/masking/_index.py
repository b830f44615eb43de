"""The registered forms, organised so that adding is cheap and scanning is fast.

Forms live in a few immutable *segments*, each with its own scanner, kept in
the shape of a log-structured merge tree: new forms become a small segment,
and a segment that is not much smaller than the one before it is merged into
it. A masker that receives values one at a time, between log lines, thus
compiles each form only a logarithmic number of times (Airflow recompiles
everything on every new secret) and scans at most a handful of segments.

A large segment starts on the cheap-to-build engine and is promoted to the
fast one once the bytes it has scanned would have paid for the compilation
(the ski-rental rule): registering a thousand values to mask one message
stays cheap, and a busy masker soon runs at hyperscan speed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from hushflow.masking._scanners import (
    AHOCORASICK,
    HYPERSCAN,
    Scanner,
    Span,
    available_engines,
    build_scanner,
)

_MERGE_RATIO = 4
_EAGER_FORMS = 256
_PROMOTE_BYTES_PER_FORM = 1024


@dataclass(eq=False)
class Segment:
    """An immutable batch of forms and the scanner that finds them."""

    forms: tuple[str, ...]
    scanner: Scanner
    scanned: int = 0
    promotable: bool = True
    promotion: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, forms: Iterable[str], engines: tuple[str, ...]) -> Segment:
        """A segment on the first engine that builds; a large one starts on the cheap engine."""
        ordered = tuple(sorted(forms))
        candidates = list(engines)
        if engines[0] == HYPERSCAN and len(ordered) > _EAGER_FORMS and AHOCORASICK in engines:
            candidates.remove(AHOCORASICK)
            candidates.insert(0, AHOCORASICK)
        for engine in candidates[:-1]:
            try:
                return cls(ordered, build_scanner(ordered, engine))
            except Exception:  # a C engine that refuses some input: fall back to the next
                continue
        return cls(ordered, build_scanner(ordered, candidates[-1]))

    def scan(self, text: str, spans: list[Span], engines: tuple[str, ...]) -> None:
        self.scanner.scan(text, spans)
        if self.promotable and self.scanner.engine == AHOCORASICK and engines[0] == HYPERSCAN:
            self.scanned += len(text)
            if self.scanned >= _PROMOTE_BYTES_PER_FORM * len(self.forms):
                self._promote()

    def _promote(self) -> None:
        """Swap in a hyperscan scanner; one thread compiles while the others keep scanning."""
        if not self.promotion.acquire(blocking=False):
            return
        try:
            if self.promotable:
                self.scanner = build_scanner(self.forms, HYPERSCAN)
        except Exception:  # keep the working scanner rather than fail every mask
            pass
        finally:
            self.promotable = False
            self.promotion.release()


@dataclass(frozen=True)
class FormIndex:
    """A consistent view of the registered forms, safe to use from any thread."""

    segments: tuple[Segment, ...] = ()
    longest: int = 0
    engines: tuple[str, ...] = field(default_factory=available_engines)

    def spans(self, text: str) -> list[Span]:
        """Every occurrence of every form in ``text``, unmerged and unsorted."""
        found: list[Span] = []
        for segment in self.segments:
            segment.scan(text, found, self.engines)
        return found

    @property
    def engine(self) -> str:
        used = {segment.scanner.engine for segment in self.segments}
        return "+".join(sorted(used)) or self.engines[0]


class FormRegistry:
    """The mutable side: pending forms and segments. Callers hold a lock around it."""

    def __init__(self, engines: tuple[str, ...] | None = None) -> None:
        self.engines = engines or available_engines()
        self.values: set[str] = set()
        self.forms: set[str] = set()
        self.pending: list[str] = []
        self.segments: list[Segment] = []
        self.longest = 0

    def add(self, value: str, forms: Iterable[str]) -> None:
        self.values.add(value)
        for form in forms:
            if form not in self.forms:
                self.forms.add(form)
                self.pending.append(form)
                self.longest = max(self.longest, len(form))

    def index(self) -> FormIndex:
        """Turn pending forms into a segment, merge small segments, return a snapshot."""
        if self.pending:
            self.segments.append(Segment.build(self.pending, self.engines))
            self.pending = []
            self._merge()
        return FormIndex(tuple(self.segments), self.longest, self.engines)

    def _merge(self) -> None:
        segments = self.segments
        while len(segments) > 1 and len(segments[-2].forms) <= _MERGE_RATIO * len(
            segments[-1].forms
        ):
            last = segments.pop()
            previous = segments.pop()
            segments.append(Segment.build(previous.forms + last.forms, self.engines))

    def copy(self) -> FormRegistry:
        """An independent registry that starts with the same forms (segments are shared)."""
        twin = FormRegistry(self.engines)
        twin.values = set(self.values)
        twin.forms = set(self.forms)
        twin.pending = list(self.pending)
        twin.segments = list(self.segments)
        twin.longest = self.longest
        return twin
