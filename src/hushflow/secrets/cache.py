"""A small per-process cache of resolved secrets, so ``secret()`` stays cheap once warm.

Entries live for a short TTL and are dropped (not just ignored) when found
expired; values are held as bytes, never as the ``str`` handed to the caller.
Writes through the same :class:`SecretManager` invalidate every entry of the
written key at once; other processes see changes after at most the TTL.
Misses are never cached, so a newly created secret is visible immediately.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Entry:
    """A cached resolution: where the value came from and the value as bytes."""

    data: bytes
    backend: str
    namespace: str
    key: str
    version: int | None
    digest: str | None
    expires: float

    def __repr__(self) -> str:
        return f"Entry(backend={self.backend!r}, namespace={self.namespace!r}, key={self.key!r})"


Slot = tuple[str, str | None]


class ResolutionCache:
    """``(folded key) -> {(namespace, explicit namespace): Entry}`` with a TTL."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[str, dict[Slot, Entry]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ResolutionCache(ttl={self.ttl}, keys={len(self._entries)})"

    def get(self, folded: str, slot: Slot) -> Entry | None:
        by_slot = self._entries.get(folded)
        if by_slot is None:
            return None
        entry = by_slot.get(slot)
        if entry is not None and entry.expires <= self._clock():
            with self._lock:
                by_slot.pop(slot, None)
            return None
        return entry

    def put(self, folded: str, slot: Slot, entry: Entry) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries.setdefault(folded, {})[slot] = entry

    def expiry(self) -> float:
        return self._clock() + self.ttl

    def invalidate(self, folded: str) -> None:
        """Forget every cached resolution of one key, in every namespace."""
        with self._lock:
            self._entries.pop(folded, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def sweep(self) -> int:
        """Drop every expired entry; returns how many were dropped."""
        now = self._clock()
        dropped = 0
        with self._lock:
            for folded in list(self._entries):
                by_slot = self._entries[folded]
                for slot in [s for s, e in by_slot.items() if e.expires <= now]:
                    del by_slot[slot]
                    dropped += 1
                if not by_slot:
                    del self._entries[folded]
        return dropped

    def __len__(self) -> int:
        return sum(len(v) for v in self._entries.values())
