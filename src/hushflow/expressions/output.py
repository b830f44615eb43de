"""Where values reach the output: their text form, and the record of tainted fragments."""

from __future__ import annotations

from typing import Any

from hushflow.expressions.runtime import Context
from hushflow.expressions.taint import Tainted, strip, tainted_leaves
from hushflow.expressions.values import to_text


def record(ctx: Context, value: Any, text: str) -> None:
    """Remember the string forms of a marked value that reaches the output."""
    ctx.marks += 1
    if text:
        ctx.tainted.add(text)
    tainted_leaves(value, ctx.tainted)


def output_text(ctx: Context, value: Any) -> str:
    """The printed form of ``value``, recording taint; the one unwrap point for output."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is Tainted:
        text = to_text(value.value)
        record(ctx, value, text)
        return text
    if kind is dict or kind is list or kind is tuple:
        plain, marked = strip(value)
        text = to_text(plain)
        if marked:
            record(ctx, value, text)
        return text
    return to_text(value)
