"""The registered forms, organised so that adding is cheap and scanning is fast.

Forms are grouped by anchor as they are registered (``_anchors``); the
anchors live in a few immutable *segments*, each with its own scanner, kept
in the shape of a log-structured merge tree: new anchors become a small
segment, and a segment that has grown as large as the one before it is
merged into it, as in a binary counter. A masker that receives values one at
a time, between log lines, thus compiles each anchor only a logarithmic
number of times (Airflow recompiles everything on every new secret) and
scans at most a handful of segments.

A segment starts on the cheap-to-build engine. Once the masker has scanned
enough text to pay for it (the ski-rental rule: bytes scanned against
anchors to compile), every segment is *compacted* into one on the fastest
engine, in a background thread, while the interim segments keep serving.
(Compiling as soon as a large batch is registered was tried: on a machine
with no idle core the compile competes with the registration, and the first
mask got slower, not faster.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from hushflow.masking._anchors import Anchor, Candidates, Span, fold
from hushflow.masking._scanners import (
    AHOCORASICK,
    HYPERSCAN,
    Scanner,
    available_engines,
    build_scanner,
)
from hushflow.masking._variants import Forms

_MERGE_RATIO = 1
# Scanning this many bytes per anchor pays for compiling it into hyperscan.
COMPACT_BYTES_PER_ANCHOR = 1024
# What one scan call costs in bytes-equivalent, so that short lines count too.
CALL_COST = 256


@dataclass(frozen=True, eq=False)
class Segment:
    """An immutable batch of anchors and the scanner that finds them."""

    anchors: tuple[Anchor, ...]
    scanner: Scanner

    @classmethod
    def build(
        cls, anchors: Iterable[Anchor], engines: tuple[str, ...], eager: bool = False
    ) -> Segment:
        """A segment on the first engine that builds.

        Unless ``eager``, a segment starts on Aho-Corasick when hyperscan is the
        goal: it builds without hyperscan's fixed compile cost, and scans a
        short line faster; compaction moves busy maskers to hyperscan.
        """
        ordered = tuple(sorted(anchors))
        candidates = list(engines)
        if not eager and engines[0] == HYPERSCAN and AHOCORASICK in engines:
            candidates.remove(AHOCORASICK)
            candidates.insert(0, AHOCORASICK)
        for engine in candidates[:-1]:
            try:
                return cls(ordered, build_scanner(ordered, engine))
            except Exception:  # a C engine that refuses some input: fall back to the next
                continue
        return cls(ordered, build_scanner(ordered, candidates[-1]))


@dataclass(frozen=True)
class FormIndex:
    """A consistent view of the registered forms, safe to use from any thread."""

    segments: tuple[Segment, ...] = ()
    longest: int = 0
    engines: tuple[str, ...] = field(default_factory=available_engines)
    candidates: Candidates = field(default_factory=Candidates)

    def spans(self, text: str) -> list[Span]:
        """Every occurrence of every form in ``text``, unmerged and unsorted."""
        return self.scan(text)[0]

    def scan(self, text: str) -> tuple[list[Span], bool]:
        """:meth:`spans`, and whether ``text`` holds the trigger (see ``_anchors``)."""
        hits: list[Span] = []
        for segment in self.segments:
            segment.scanner.scan(text, hits)
        found: list[Span] = []
        triggered = self.candidates.verify(text, hits, found) if hits else False
        return found, triggered

    @cached_property
    def compact(self) -> bool:
        """True when one scan on the fastest engine covers every form."""
        if len(self.segments) > 1:
            return False
        return all(segment.scanner.engine == self.engines[0] for segment in self.segments)

    @cached_property
    def anchors(self) -> int:
        return sum(len(segment.anchors) for segment in self.segments)

    @property
    def engine(self) -> str:
        used = {segment.scanner.engine for segment in self.segments}
        return "+".join(sorted(used)) or self.engines[0]


class FormRegistry:
    """The mutable side: forms, pending anchors and segments. Callers hold a lock around it."""

    def __init__(self, engines: tuple[str, ...] | None = None) -> None:
        self.engines = engines or available_engines()
        self.values: set[str] = set()
        self.forms: set[tuple[str, bool]] = set()
        self.candidates = Candidates()
        self.pending: list[Anchor] = []
        self.segments: list[Segment] = []
        self.longest = 0

    def add(self, value: str, forms: Forms, trigger: bool = False) -> None:
        for caseless, group in ((True, forms.caseless), (False, forms.exact)):
            fresh: list[str] = []
            for form in group:
                key = (fold(form) if caseless else form, caseless)
                if key not in self.forms:
                    self.forms.add(key)
                    fresh.append(form)
            if fresh:
                self.longest = max(self.longest, max(map(len, fresh)))
                self.pending.extend(self.candidates.add(fresh, caseless))
        if trigger:
            self.pending.extend(self.candidates.add_trigger())
        # Last: Masker.add's lock-free fast path trusts ``values`` to mean "indexed".
        self.values.add(value)

    def index(self) -> FormIndex:
        """Turn pending anchors into a segment, merge small segments, return a snapshot."""
        if self.pending:
            self.segments.append(Segment.build(self.pending, self.engines))
            self.pending = []
            self._merge()
        return FormIndex(tuple(self.segments), self.longest, self.engines, self.candidates)

    def _merge(self) -> None:
        segments = self.segments
        while len(segments) > 1 and len(segments[-2].anchors) <= _MERGE_RATIO * len(
            segments[-1].anchors
        ):
            last = segments.pop()
            previous = segments.pop()
            segments.append(Segment.build(previous.anchors + last.anchors, self.engines))

    def install(self, replaced: tuple[Segment, ...], compacted: Segment) -> bool:
        """Put ``compacted`` in place of ``replaced`` if they are still the first segments."""
        if tuple(self.segments[: len(replaced)]) != replaced:
            return False
        self.segments[: len(replaced)] = [compacted]
        return True

    def copy(self) -> FormRegistry:
        """An independent registry that starts with the same forms (segments are shared).

        Shared segments find anchors only; each registry verifies hits against
        its own candidates, so a fork's new forms stay out of its parent.
        """
        twin = FormRegistry(self.engines)
        twin.values = set(self.values)
        twin.forms = set(self.forms)
        twin.candidates = self.candidates.copy()
        twin.pending = list(self.pending)
        twin.segments = list(self.segments)
        twin.longest = self.longest
        return twin
