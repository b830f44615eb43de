"""Log levels, most severe first, as Kestra names them."""

from __future__ import annotations

LEVELS = ("ERROR", "WARN", "INFO", "DEBUG", "TRACE")
_RANK = {name: i for i, name in enumerate(LEVELS)}


def passes(level: str, threshold: str) -> bool:
    """Whether a line at ``level`` is shown when the threshold is ``threshold``."""
    return _RANK.get(level.upper(), 2) <= _RANK.get(threshold.upper(), 2)
