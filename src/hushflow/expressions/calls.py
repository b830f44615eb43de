"""Calling filters: the fast path on plain values, and failures turned into positioned errors.

A filter call whose inputs carry no taint mark calls the filter directly;
anything marked goes through :func:`~hushflow.expressions.runtime.invoke`,
which strips the marks, calls, and marks the result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hushflow.errors import HushflowError
from hushflow.expressions.runtime import (
    WORK_EXCEEDED,
    Context,
    Entry,
    FilterError,
    InternalTaintedError,
    Undefined,
    invoke,
    oversized,
    too_large,
)
from hushflow.expressions.taint import Tainted, has_taint

Expr = Callable[[Context], Any]


class EvalError(Exception):
    """An evaluation failure at a known offset, turned into ExpressionError per statement."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


def fast_filter_step(
    entry: Entry, args: list[Expr], pos: int, deep_value: bool, deep_args: list[bool]
) -> Callable[[Context, Any], Any]:
    """Call on plain values directly; anything marked goes through ``invoke``."""
    fn = entry.fn
    checks = list(zip(args, deep_args, strict=True))

    def slow(ctx: Context, value: Any, argv: list[Any]) -> Any:
        try:
            return invoke(entry, ctx, (value,), argv, {})
        except (FilterError, InternalTaintedError) as exc:
            raise EvalError(str(exc), pos) from None

    if not args:

        def step0(ctx: Context, value: Any) -> Any:
            kind = type(value)
            if kind is Tainted or (deep_value and _marked(value)):
                return slow(ctx, value, [])
            try:
                result = fn(value)
            except Exception as exc:
                raise _failure(entry, exc, pos) from None
            kind = type(result)
            if kind is str or kind is list or kind is dict:
                check_result(ctx, entry, result, kind, pos)
            return result

        return step0

    def step(ctx: Context, value: Any) -> Any:
        argv = []
        marked = type(value) is Tainted or (deep_value and _marked(value))
        for arg, deep in checks:
            item = arg(ctx)
            if type(item) is Tainted or (deep and _marked(item)):
                marked = True
            argv.append(item)
        if marked:
            return slow(ctx, value, argv)
        try:
            result = fn(value, *argv)
        except Exception as exc:
            raise _failure(entry, exc, pos) from None
        kind = type(result)
        if kind is str or kind is list or kind is dict:
            check_result(ctx, entry, result, kind, pos)
        return result

    return step


def check_result(ctx: Context, entry: Entry, result: Any, kind: type, pos: int) -> None:
    """Size limits on a filter's result, and the work it cost against the render's budget."""
    size = len(result)
    ctx.work += size
    if ctx.work > ctx.limits.max_work:
        raise EvalError(WORK_EXCEEDED, pos)
    if kind is str:
        if size > ctx.max_output:
            raise EvalError(oversized(entry), pos)
    elif too_large(result, ctx.limits):
        raise EvalError(oversized(entry), pos)


def _failure(entry: Entry, exc: Exception, pos: int) -> Exception:
    """The exception to raise for a failed call of a plain (untainted) filter."""
    if isinstance(exc, FilterError):
        return EvalError(str(exc), pos)
    if isinstance(exc, HushflowError | Undefined):
        return exc
    if isinstance(exc, RecursionError):
        return EvalError(f"The '{entry.name}' filter nested too deeply", pos)
    return EvalError(f"The '{entry.name}' filter failed on its input", pos)


def _marked(value: Any) -> bool:
    kind = type(value)
    return kind is Tainted or ((kind is dict or kind is list) and has_taint(value))


def caller_entry(ctx: Context, name: str) -> Entry | None:
    """A function from the caller's table that the built-ins do not define (e.g. ``kv``)."""
    fn = ctx.functions.get(name)
    if fn is None:
        return None
    return Entry(name, fn, (), "function", varargs=True)
