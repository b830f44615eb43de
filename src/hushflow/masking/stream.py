"""Masking text that arrives in pieces: subprocess output, long log streams."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hushflow.masking._ansi import stream_cut
from hushflow.masking._spans import merge

if TYPE_CHECKING:
    from hushflow.masking.masker import Masker


class MaskStream:
    """Masks a stream so that any split of the text gives ``masker.mask(text)``.

    A write boundary may fall inside a secret, or between a secret and the
    next one (which must merge into the same token). The stream therefore
    holds back the last ``longest form - 1`` characters, the most a match
    that is not yet complete can have seen (plus any terminal colour codes
    among them, which matching sees through). When the emitted text ends with a
    token whose secret may continue, the stream remembers it, so that a
    continuation is absorbed into the token already written instead of
    producing a second one: GitLab's masker leaks exactly there.
    """

    def __init__(self, masker: Masker) -> None:
        self._masker = masker
        self._buffer = ""
        self._open = False
        self._covered = 0

    def feed(self, chunk: str) -> str:
        """Mask what can no longer change and return it; keep the rest."""
        from hushflow.masking.masker import MASKING_FAILED

        try:
            return self._advance(self._buffer + chunk, final=False)
        except Exception:
            self._reset()
            return MASKING_FAILED

    def flush(self) -> str:
        """Mask and return everything held back; the stream can be reused afterwards."""
        from hushflow.masking.masker import MASKING_FAILED

        try:
            return self._advance(self._buffer, final=True)
        except Exception:
            self._reset()
            return MASKING_FAILED

    @property
    def pending(self) -> int:
        """How many characters are held back."""
        return len(self._buffer)

    def _reset(self) -> None:
        self._buffer = ""
        self._open = False
        self._covered = 0

    def _advance(self, text: str, final: bool) -> str:
        spans, longest = self._masker._scan(text)
        if self._open:
            spans.append((0, self._covered))
        runs = merge(spans)
        cut = len(text) if final else stream_cut(text, max(longest - 1, 0))
        if cut <= 0:
            self._buffer = text
            return ""
        pieces: list[str] = []
        position = 0
        still_open = False
        for start, end in runs:
            if start >= cut:
                break
            pieces.append(text[position:start])
            if not (self._open and start == 0):
                pieces.append(self._masker.token)
            if end >= cut and not final:
                still_open, self._covered, position = True, end - cut, cut
                break
            position = end
        if not still_open:
            pieces.append(text[position:cut])
        self._open = still_open
        self._buffer = text[cut:]
        return "".join(pieces)
