"""Calling filters: the fast path on plain values, and failures turned into positioned errors.

A filter call whose inputs carry no taint mark calls the filter directly;
anything marked goes through :func:`~hushflow.expressions.runtime.invoke`,
which strips the marks, calls, and marks the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
            if kind is Tainted or (
                deep_value and (kind is list or kind is dict) and has_taint(value)
            ):
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


@dataclass(frozen=True, slots=True)
class Step:
    """One filter of a fused chain: its entry, argument closures, and constant arguments."""

    entry: Entry
    args: list[Expr]
    deep_args: list[bool]
    pos: int
    #: The argument values when every argument is a literal (computed once), else None.
    constants: list[Any] | None


def fused_chain(value_fn: Expr, steps: list[Step], deep_value: bool) -> Expr:
    """``v | f | g | h`` as one loop, the common case paid once.

    The piped value is scanned for marks once, at the start: a filter called
    on plain values returns plain data, so later steps only need the cheap
    top-level test. Literal arguments are evaluated at compile time. A step
    whose input or argument is marked goes through ``invoke``, so taint and
    the hiding of error details are exactly those of single steps; size and
    work limits are checked after every step.
    """
    general = _general_chain(steps)
    if any(step.constants is None for step in steps):
        return lambda ctx: general(ctx, value_fn(ctx), 0)
    return _unrolled(value_fn, steps, general, deep_value)


_CHAIN_HEAD = """
def run(ctx):
    value = value_fn(ctx)
    kind = type(value)
    if kind is Tainted or (deep_value and (kind is list or kind is dict) and has_taint(value)):
        return general(ctx, value, 0)
    work = ctx.work
    max_work = ctx.limits.max_work
    max_output = ctx.max_output
"""
_CHAIN_STEP = """
    try:
        value = f{i}(value{args})
    except Exception as exc:
        ctx.work = work
        raise failure(e{i}, exc, p{i}) from None
    kind = type(value)
    if kind is str:
        size = len(value)
        work += size
        if work > max_work or size > max_output:
            ctx.work = work - size
            check_result(ctx, e{i}, value, kind, p{i})
    elif kind is list or kind is dict:
        ctx.work = work
        check_result(ctx, e{i}, value, kind, p{i})
        work = ctx.work
"""
_CHAIN_TAIL = """
    ctx.work = work
    return value
"""


def _unrolled(
    value_fn: Expr, steps: list[Step], general: Callable[[Context, Any, int], Any], deep: bool
) -> Expr:
    """The plain-value path of a chain whose arguments are all literals, as one function.

    Its source is built from the fixed text above and step numbers only
    (filters, constants and positions are passed in as names, never written
    into the source), so nothing from a template reaches the code.
    """
    names: dict[str, Any] = {
        "value_fn": value_fn,
        "general": general,
        "deep_value": deep,
        "Tainted": Tainted,
        "has_taint": has_taint,
        "failure": _failure,
        "check_result": check_result,
    }
    source = [_CHAIN_HEAD]
    for i, step in enumerate(steps):
        names[f"f{i}"] = step.entry.fn
        names[f"e{i}"] = step.entry
        names[f"p{i}"] = step.pos
        args = ""
        for j, constant in enumerate(step.constants or ()):
            names[f"a{i}_{j}"] = constant
            args += f", a{i}_{j}"
        source.append(_CHAIN_STEP.format(i=i, args=args))
    source.append(_CHAIN_TAIL)
    exec(compile("".join(source), "<filter chain>", "exec"), names)
    run: Expr = names["run"]
    return run


def _general_chain(steps: list[Step]) -> Callable[[Context, Any, int], Any]:
    """The chain from step ``start`` on, with arguments evaluated and checked at each step."""

    def run(ctx: Context, value: Any, start: int) -> Any:
        marked = type(value) is Tainted or _marked(value)
        for step in steps[start:]:
            argv = step.constants
            if argv is None:
                argv = []
                for arg, deep in zip(step.args, step.deep_args, strict=True):
                    item = arg(ctx)
                    if type(item) is Tainted or (deep and _marked(item)):
                        marked = True
                    argv.append(item)
            if marked:
                try:
                    value = invoke(step.entry, ctx, (value,), argv, {})
                except (FilterError, InternalTaintedError) as exc:
                    raise EvalError(str(exc), step.pos) from None
                marked = type(value) is Tainted
                continue
            try:
                value = step.entry.fn(value, *argv)
            except Exception as exc:
                raise _failure(step.entry, exc, step.pos) from None
            kind = type(value)
            if kind is str or kind is list or kind is dict:
                check_result(ctx, step.entry, value, kind, step.pos)
        return value

    return run


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
