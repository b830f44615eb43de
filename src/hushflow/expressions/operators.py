"""Operator semantics on plain JSON values, following Pebble's ``OperatorUtils``.

Integers behave like Java longs (division truncates toward zero, the
remainder has the dividend's sign, results must fit in 64 bits); a float on
either side gives a double. ``+`` concatenates when either side is a
string and appends to a list. ``<``/``>`` compare numbers only, as Pebble's
``OperatorUtils`` does (null on either side is false; two strings are an
error). Error messages name types, never values, so they cannot quote a
secret.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from hushflow.expressions.limits import INT_MAX, INT_MIN, Limits
from hushflow.expressions.runtime import Undefined
from hushflow.expressions.values import (
    expanded_size,
    is_list,
    is_number,
    to_text,
    type_name,
)


class OperatorError(Exception):
    """An operator was applied to values it does not support."""


def kind(value: Any) -> str:
    return type_name(value)


def _check_int(value: int) -> int:
    if value < INT_MIN or value > INT_MAX:
        raise OperatorError("Integer overflow (the result does not fit in 64 bits)")
    return value


def _numbers(a: Any, b: Any, name: str) -> None:
    if not (is_number(a) and is_number(b)):
        raise OperatorError(f"Could not perform {name} on a {kind(a)} and a {kind(b)}")


def _checked_text(text: str, limits: Limits) -> str:
    if len(text) > limits.max_output_size:
        raise OperatorError(f"String is larger than {limits.max_output_size} characters")
    return text


def add(a: Any, b: Any, limits: Limits) -> Any:
    if type(a) is str or type(b) is str:
        return _checked_text(to_text(a) + to_text(b), limits)
    if is_list(a):
        result = list(a) + (list(b) if is_list(b) else [b])
        if expanded_size(result, limits.max_value_size) > limits.max_value_size:
            raise OperatorError("The list is larger than the value limit")
        return result
    _numbers(a, b, "addition")
    return _check_int(a + b) if type(a) is int and type(b) is int else float(a) + float(b)


def subtract(a: Any, b: Any, limits: Limits) -> Any:
    if is_list(a):
        drop = list(b) if is_list(b) else [b]
        return [item for item in a if not any(equals(item, d) for d in drop)]
    _numbers(a, b, "subtraction")
    return _check_int(a - b) if type(a) is int and type(b) is int else float(a) - float(b)


def multiply(a: Any, b: Any, limits: Limits) -> Any:
    _numbers(a, b, "multiplication")
    return _check_int(a * b) if type(a) is int and type(b) is int else float(a) * float(b)


def divide(a: Any, b: Any, limits: Limits) -> Any:
    _numbers(a, b, "division")
    if type(a) is int and type(b) is int:
        if b == 0:
            raise OperatorError("Division by zero")
        quotient = abs(a) // abs(b)
        return _check_int(quotient if (a >= 0) == (b > 0) else -quotient)
    x, y = float(a), float(b)
    if y == 0:
        if x == 0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def modulo(a: Any, b: Any, limits: Limits) -> Any:
    _numbers(a, b, "modulo")
    if type(a) is int and type(b) is int:
        if b == 0:
            raise OperatorError("Division by zero")
        remainder = abs(a) % abs(b)
        return remainder if a >= 0 else -remainder
    x, y = float(a), float(b)
    if y == 0 or math.isinf(x):
        return math.nan
    return math.fmod(x, y)


def equals(a: Any, b: Any, limits: Limits | None = None) -> bool:
    """Java ``equals`` on JSON values: numbers by value (1 == 1.0), booleans only with booleans."""
    if a is b:
        return True
    if is_number(a) and is_number(b):
        return bool(a == b)
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    if is_list(a) and is_list(b):
        return len(a) == len(b) and all(equals(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(equals(a[k], b[k]) for k in a)
    return bool(type(a) is type(b) and a == b)


def not_equals(a: Any, b: Any, limits: Limits) -> bool:
    return not equals(a, b)


def _compare(
    name: str, java_name: str, test: Callable[[int], bool]
) -> Callable[[Any, Any, Limits], bool]:
    """Pebble's ``<``/``>``: numbers only (null on either side is false), else its error."""

    def compare(a: Any, b: Any, limits: Limits) -> bool:
        if a is None or b is None:
            return False
        if is_number(a) and is_number(b):
            return test((a > b) - (a < b))
        raise OperatorError(
            f"Could not perform {name} comparison: invalid operands for mathematical "
            f"comparison [{java_name}] (a {kind(a)} and a {kind(b)}; only numbers compare "
            "this way: convert text with the 'number' filter, or compare dates with "
            "'timestamp')"
        )

    return compare


def contains(a: Any, b: Any, limits: Limits) -> bool:
    """Pebble ``contains``: element of a list (all elements if a list), key of a map, substring."""
    if a is None:
        return False
    if isinstance(a, Mapping):
        keys = list(b) if is_list(b) else [b]
        return all(to_text(k) in a for k in keys)
    if is_list(a):
        wanted = list(b) if is_list(b) else [b]
        return all(any(equals(item, w) for item in a) for w in wanted)
    if type(a) is str:
        return to_text(b) in a
    raise OperatorError(f"Cannot test whether a {kind(a)} contains something")


def inside(a: Any, b: Any, limits: Limits) -> bool:
    if b is None:
        return False
    if isinstance(b, Mapping):
        return to_text(a) in b
    if is_list(b):
        return any(equals(item, a) for item in b)
    if type(b) is str:
        return to_text(a) in b
    raise OperatorError(f"Cannot test membership in a {kind(b)}")


def concat(a: Any, b: Any, limits: Limits) -> str:
    return _checked_text(to_text(a) + to_text(b), limits)


def value_range(a: Any, b: Any, limits: Limits) -> list[int]:
    """``a..b``: the inclusive integer range, bounded by ``max_range_size``."""
    if type(a) is not int or type(b) is not int:
        raise OperatorError(f"A range needs two integers, not a {kind(a)} and a {kind(b)}")
    return bounded_range(a, b, 1 if b >= a else -1, limits)


def bounded_range(start: int, end: int, step: int, limits: Limits) -> list[int]:
    """Inclusive range from ``start`` to ``end``; fails fast past the size limit."""
    if step == 0:
        raise OperatorError("The range step cannot be 0")
    count = (end - start) // step + 1
    if count > limits.max_range_size:
        raise OperatorError(f"Range is too large ({count} items, limit {limits.max_range_size})")
    if count <= 0:
        return []
    return list(range(start, end + (1 if step > 0 else -1), step))


def negate(value: Any) -> Any:
    if not is_number(value) or type(value) is bool:
        raise OperatorError(f"Cannot negate a {kind(value)}")
    return _check_int(-value) if type(value) is int else -value


def plus(value: Any) -> Any:
    if not is_number(value) or type(value) is bool:
        raise OperatorError(f"Unary '+' needs a number, not a {kind(value)}")
    return value


def get_item(obj: Any, key: Any, what: str, pos: int) -> Any:
    """``obj.key`` / ``obj[key]`` on a map or list; a missing key is Undefined."""
    if isinstance(obj, Mapping):
        name = key if type(key) is str else to_text(key)
        if name in obj:
            return obj[name]
        raise Undefined(what, pos)
    if is_list(obj):
        if type(key) is str and key.isdigit():
            key = int(key)
        if type(key) is int and 0 <= key < len(obj):
            return obj[key]
        raise Undefined(what, pos)
    raise Undefined(what, pos)


BINARY: dict[str, Callable[[Any, Any, Limits], Any]] = {
    "+": add,
    "-": subtract,
    "*": multiply,
    "/": divide,
    "%": modulo,
    "==": equals,
    "equals": equals,
    "!=": not_equals,
    "<": _compare("less than", "LESS_THAN", lambda c: c < 0),
    ">": _compare("greater than", "GREATER_THAN", lambda c: c > 0),
    "<=": _compare("less than or equals", "LESS_THAN_EQUALS", lambda c: c <= 0),
    ">=": _compare("greater than or equals", "GREATER_THAN_EQUALS", lambda c: c >= 0),
    "contains": contains,
    "in": inside,
    "not in": lambda a, b, limits: not inside(a, b, limits),
    "isIn": inside,
    "not isIn": lambda a, b, limits: not inside(a, b, limits),
    "~": concat,
    "..": value_range,
}
