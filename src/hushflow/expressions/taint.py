"""Taint marks: how a secret-derived value is carried through an evaluation.

A tainted value is wrapped in :class:`Tainted`. The wrapper is deliberately
useless as a plain value: it is not a ``str`` subclass, cannot be iterated,
compared, hashed or tested for truth, and prints as ``******``. Code that
forgets to unwrap it therefore fails (or prints a mask) instead of silently
using the secret as if it were ordinary data. Only the evaluator unwraps it:
the runtime strips the marks before calling a filter or function and re-wraps
the result, and the renderer unwraps at the boundary where it records the
text form in ``Rendered.tainted``.

Invariant: ``Tainted.value`` never contains another ``Tainted`` (the
constructor strips nested marks), so one unwrap gives plain JSON data.
Caller-provided variables may hold ``Tainted`` values anywhere inside
dicts and lists (see :func:`taint`).
"""

from __future__ import annotations

from typing import Any, NoReturn

from hushflow.expressions.values import java_double

MASK = "******"


class Tainted:
    """A value computed from a secret. Unwrap only through :func:`strip`."""

    __slots__ = ("value",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, value: Any) -> None:
        self.value = strip(value)[0]

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return MASK

    def __bool__(self) -> NoReturn:
        raise TypeError("a tainted value has no truth value outside the evaluator")

    def __eq__(self, other: object) -> NoReturn:
        raise TypeError("a tainted value cannot be compared outside the evaluator")

    def __reduce__(self) -> NoReturn:
        raise TypeError("a tainted value cannot be pickled")


def taint(value: Any) -> Any:
    """Mark ``value`` as secret-derived; reading it in a template taints the result.

    Use it for values placed in ``variables`` that came from a secret (for
    example SECRET-typed inputs)::

        render("{{ inputs.pw | upper }}", {"inputs": {"pw": taint(pw)}})
    """
    if type(value) is Tainted:
        return value
    return Tainted(value)


def is_tainted(value: Any) -> bool:
    """True if ``value`` is, or contains anywhere inside it, a tainted value."""
    return has_taint(value)


_CONTAINERS = frozenset({dict, list, tuple})


def has_taint(value: Any) -> bool:
    """True if the value or anything nested in a list/dict of it is tainted.

    A long container's item types are collected at C speed first, so a long
    list of plain strings costs little; short ones are looped over directly.
    """
    kind = type(value)
    if kind is Tainted:
        return True
    if kind is dict:
        items: Any = value.values()
    elif kind is list or kind is tuple:
        items = value
    else:
        return False
    if len(items) > 16:
        kinds = set(map(type, items))
        if Tainted in kinds:
            return True
        if kinds.isdisjoint(_CONTAINERS):
            return False
    for item in items:
        kind = type(item)
        if kind is Tainted:
            return True
        if (kind is dict or kind is list or kind is tuple) and has_taint(item):
            return True
    return False


def strip(value: Any) -> tuple[Any, bool]:
    """Return ``(plain value, was tainted)``; containers are copied only when needed."""
    kind = type(value)
    if kind is Tainted:
        return value.value, True
    if (kind is dict or kind is list or kind is tuple) and has_taint(value):
        return _deep_strip(value), True
    return value, False


def _deep_strip(value: Any) -> Any:
    kind = type(value)
    if kind is Tainted:
        return value.value
    if kind is dict:
        return {key: _deep_strip(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_deep_strip(item) for item in value]
    return value


def tainted_leaves(value: Any, out: set[str]) -> None:
    """Collect the string forms of every tainted part of ``value`` into ``out``.

    A tainted container contributes each of its string leaves, because the
    masker must find them wherever they appear later (a JSON secret printed
    whole, then one field of it printed alone).
    """
    kind = type(value)
    if kind is Tainted:
        _all_strings(value.value, out)
    elif kind is dict:
        for item in value.values():
            tainted_leaves(item, out)
    elif kind is list or kind is tuple:
        for item in value:
            tainted_leaves(item, out)


def _all_strings(value: Any, out: set[str]) -> None:
    kind = type(value)
    if kind is str:
        if value:
            out.add(value)
    elif kind is int or kind is float:
        # A number inside a secret (a PIN in a JSON secret) is secret text too.
        out.add(repr(value) if kind is int else java_double(value))
    elif kind is dict:
        for item in value.values():
            _all_strings(item, out)
    elif kind is list or kind is tuple:
        for item in value:
            _all_strings(item, out)
