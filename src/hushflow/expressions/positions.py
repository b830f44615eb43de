"""Positioned errors: the one place that turns an offset into ``line L, column C``."""

from __future__ import annotations

from typing import NoReturn

from hushflow.errors import ExpressionError

#: Longest excerpt of the template quoted in an error message.
EXCERPT_LENGTH = 80


def line_column(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``source``."""
    offset = max(0, min(offset, len(source)))
    line = source.count("\n", 0, offset) + 1
    start = source.rfind("\n", 0, offset) + 1
    return line, offset - start + 1


def excerpt(source: str, start: int, end: int) -> str:
    """The template text between two offsets, shortened for an error message."""
    text = source[start:end]
    if len(text) > EXCERPT_LENGTH:
        text = text[: EXCERPT_LENGTH - 3] + "..."
    return text


def fail(message: str, source: str, offset: int, *, quote: bool = True) -> NoReturn:
    """Raise an :class:`ExpressionError` at ``offset``, its position in the message.

    ``quote=False`` keeps the template out of the error (used when the
    template itself is secret-derived, e.g. ``render(secret('tpl'))``).
    """
    line, column = line_column(source, offset)
    raise ExpressionError(
        f"{message} at line {line}, column {column}",
        source=source if quote else None,
        line=line,
        column=column,
    )
