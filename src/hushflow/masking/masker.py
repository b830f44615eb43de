"""The :class:`Masker`: registered values in, ``****`` out."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from hushflow.masking._anchors import Span
from hushflow.masking._ansi import ESCAPE, visible_spans
from hushflow.masking._index import (
    CALL_COST,
    COMPACT_BYTES_PER_ANCHOR,
    FormIndex,
    FormRegistry,
    Segment,
)
from hushflow.masking._scanners import available_engines
from hushflow.masking._spans import merge, replace
from hushflow.masking._variants import Forms, forms_of, od_forms_of
from hushflow.masking.structured import DEFAULT_SENSITIVE_KEYS, SensitiveKeys, mask_structure

if TYPE_CHECKING:
    from hushflow.masking.stream import MaskStream

MASK_TOKEN = "****"
MASKING_FAILED = "<masking failed>"
_MAX_WARNINGS = 100


class Masker:
    """Replaces every registered value, and every encoded form of it, with a token.

    One masker serves one execution (or a namespace tree); its threads may
    call :meth:`add` and :meth:`mask` concurrently, and a value added by one
    thread is masked by every :meth:`mask` that starts after :meth:`add`
    returned. Registering is cheap: the matcher is rebuilt lazily, on the
    next mask, and only for what changed; a busy masker's fastest engine is
    compiled in a background thread while the interim one keeps serving.

    >>> masker = Masker()
    >>> masker.add("hunter2-correct-horse")
    True
    >>> masker.mask("login with hunter2-correct-horse")
    'login with ****'

    ``engine`` pins one matching engine (``"hyperscan"``, ``"ahocorasick"``,
    ``"regex"``) instead of the fastest available; tests and the benchmark use it.

    Every mask method fails closed: if anything goes wrong the caller gets
    :data:`MASKING_FAILED`, never the unmasked text.
    """

    def __init__(
        self,
        token: str = MASK_TOKEN,
        min_length: int = 4,
        sensitive_keys: Iterable[str] | None = None,
        *,
        engine: str | None = None,
    ) -> None:
        if not isinstance(token, str):
            raise TypeError("token must be a string")
        if min_length < 1:
            raise ValueError("min_length must be at least 1")
        self.token = token
        self.min_length = min_length
        keys = DEFAULT_SENSITIVE_KEYS if sensitive_keys is None else sensitive_keys
        self.sensitive_keys = SensitiveKeys(keys)
        self._lock = threading.Lock()
        self._registry = FormRegistry(_engines(engine))
        self._index = FormIndex(engines=self._registry.engines)
        self._dirty = False
        self._scanned = 0
        self._compacting = threading.Lock()
        self._compactor: threading.Thread | None = None
        self._again = False
        # ``od -c`` forms, searched only in text that holds the trigger (see ``_anchors``).
        self._dumps: Masker | None = None
        self._warnings: list[str] = []

    def add(self, value: str) -> bool:
        """Register ``value`` and its variants; False if it was refused (see :attr:`warnings`)."""
        if not isinstance(value, str):
            raise TypeError(f"only strings can be masked, not {type(value).__name__}")
        if value in self._registry.values:
            return True
        refusal = self._refusal(value)
        if refusal:
            self._warn(refusal)
            return False
        forms = forms_of(value, self.min_length)
        dumps = od_forms_of(value, self.min_length)
        with self._lock:
            self._dirty = True  # before the value shows as registered (fast path above)
            if dumps:
                self._dump_masker()._add_forms(value, dumps)
            self._registry.add(value, forms, trigger=bool(dumps))
        return True

    def _dump_masker(self) -> Masker:
        """The masker of ``od -c`` forms, made on first use (callers hold the lock)."""
        if self._dumps is None:
            dumps = Masker(self.token, self.min_length, self.sensitive_keys.names)
            dumps._registry = FormRegistry(self._registry.engines)
            dumps._index = FormIndex(engines=self._registry.engines)
            self._dumps = dumps
        return self._dumps

    def _add_forms(self, value: str, forms: set[str]) -> None:
        """Register ``forms`` of ``value``, matched exactly (the dump masker's way in)."""
        with self._lock:
            self._dirty = True
            self._registry.add(value, Forms(set(), forms))

    def add_all(self, values: Iterable[str]) -> None:
        """Register each of ``values``; refusals are recorded in :attr:`warnings`."""
        for value in values:
            self.add(value)

    def mask(self, text: str) -> str:
        """``text`` with every run of registered text replaced by one token."""
        try:
            runs = self._runs(text)
            return replace(text, runs, self.token) if runs else text
        except Exception:
            return MASKING_FAILED

    def mask_value(self, obj: Any) -> Any:
        """A masked deep copy of JSON-like data; sensitive key names hide their values."""
        try:
            return mask_structure(obj, self.mask, self.sensitive_keys, self.token)
        except Exception:
            return MASKING_FAILED

    def stream(self) -> MaskStream:
        """A streaming masker for text that arrives in arbitrary chunks."""
        from hushflow.masking.stream import MaskStream

        return MaskStream(self)

    def fork(self) -> Masker:
        """A child that starts with all of this masker's values; its additions stay its own."""
        child = Masker(self.token, self.min_length, self.sensitive_keys.names)
        child._index = FormIndex(engines=self._registry.engines)
        with self._lock:
            child._registry = self._registry.copy()
            child._dirty = True
            child._dumps = None if self._dumps is None else self._dumps.fork()
        return child

    @property
    def warnings(self) -> tuple[str, ...]:
        """Why values were refused; the messages never contain the values."""
        return tuple(self._warnings)

    @property
    def engine(self) -> str:
        """The matching engine(s) in use, for diagnostics and the benchmark."""
        return self._current().engine

    def __len__(self) -> int:
        return len(self._registry.values)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and value in self._registry.values

    def __repr__(self) -> str:
        return f"<Masker values={len(self)} token={self.token!r} min_length={self.min_length}>"

    def _refusal(self, value: str) -> str | None:
        if len(value) < self.min_length:
            return (
                f"a value of {len(value)} character(s) was not registered for masking: "
                f"shorter than min_length={self.min_length}"
            )
        if not value.strip():
            return "a value made only of whitespace was not registered for masking"
        return None

    def _warn(self, message: str) -> None:
        with self._lock:
            if message not in self._warnings and len(self._warnings) < _MAX_WARNINGS:
                self._warnings.append(message)

    def _current(self) -> FormIndex:
        """The index including every value whose ``add`` has returned."""
        if self._dirty:
            with self._lock:
                if self._dirty:
                    self._index = self._registry.index()
                    self._dirty = False
        return self._index

    def _runs(self, text: str) -> list[Span]:
        if not isinstance(text, str):
            raise TypeError("only strings can be masked")
        return merge(self._scan(text)[0])

    def _scan(self, text: str) -> tuple[list[Span], int]:
        """Raw spans in ``text`` (colour codes seen through) and the longest form's length."""
        index = self._current()
        spans, triggered = index.scan(text)
        if ESCAPE in text and index.segments:
            spans.extend(visible_spans(text, index.spans))
        if not index.compact:
            self._scanned += len(text) + CALL_COST
            if self._scanned >= COMPACT_BYTES_PER_ANCHOR * index.anchors:
                self._compact_in_background()
        longest = index.longest
        dumps = self._dumps
        if dumps is not None:
            if triggered:
                spans.extend(dumps._scan(text)[0])
            longest = max(longest, dumps._registry.longest)
        return spans, longest

    def _compact_in_background(self) -> None:
        """Start (or re-arm) the thread that moves every segment to the fastest engine.

        Masks keep scanning the current segments meanwhile; hyperscan's
        compiler releases the GIL, so adds and masks run alongside it.
        """
        with self._lock:
            self._scanned = 0
            self._again = True
            if self._compactor is not None:
                return
            self._compactor = threading.Thread(
                target=self._compact_loop, name="hushflow-masker-compact", daemon=True
            )
            self._compactor.start()

    def _compact_loop(self) -> None:
        while True:
            with self._lock:
                if not self._again:
                    self._compactor = None
                    return
                self._again = False
                self._index = index = self._registry.index()
                self._dirty = False
            installed = False
            if not index.compact:
                # On failure the interim segments keep serving; nothing is lost.
                with contextlib.suppress(Exception):
                    installed = self._compact(index)
            with self._lock:
                # Values registered during the compile: one more round, until one segment is left.
                registry = self._registry
                self._again |= installed and (bool(registry.pending) or len(registry.segments) > 1)

    def _settle(self, timeout: float = 60.0) -> bool:
        """Wait for background compaction to finish (tests and the benchmark use it)."""
        compactor = self._compactor
        if compactor is not None:
            compactor.join(timeout)
        dumps = self._dumps
        return self._compactor is None and (dumps is None or dumps._settle(timeout))

    def _compact(self, index: FormIndex) -> bool:
        """Compile every segment into one on the fastest engine, without blocking adds.

        Values added meanwhile stay in their own segments after the swap.
        True if the compacted segment was installed.
        """
        if not self._compacting.acquire(blocking=False):
            return False
        try:
            anchors = [anchor for segment in index.segments for anchor in segment.anchors]
            compacted = Segment.build(anchors, index.engines, eager=True)
            with self._lock:
                if not self._registry.install(index.segments, compacted):
                    return False
                self._index = self._registry.index()
                self._dirty = False
                return True
        finally:
            self._compacting.release()


def _engines(engine: str | None) -> tuple[str, ...]:
    """All available engines, fastest first, or only the one asked for (tests, bench)."""
    available = available_engines()
    if engine is None:
        return available
    if engine not in available:
        raise ValueError(f"masking engine {engine!r} is not available here: {available}")
    return (engine,)
