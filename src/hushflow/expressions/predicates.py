"""Built-in ``is`` tests (``defined`` is handled by the compiler, it must see undefined)."""

from __future__ import annotations

from typing import Any

from hushflow.expressions.runtime import REGISTRY, FilterError
from hushflow.expressions.values import from_json_text, is_empty, is_list, is_map

test = REGISTRY.test


@test("null")
def is_null(value: Any) -> bool:
    return value is None


@test("empty")
def empty(value: Any) -> bool:
    return is_empty(value)


def _integer(value: Any, name: str) -> int:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    raise FilterError(f"The '{name}' test needs an integer")


@test("even")
def even(value: Any) -> bool:
    return _integer(value, "even") % 2 == 0


@test("odd")
def odd(value: Any) -> bool:
    return _integer(value, "odd") % 2 == 1


@test("iterable")
def iterable(value: Any) -> bool:
    return is_list(value) or is_map(value)


@test("map")
def is_a_map(value: Any) -> bool:
    return is_map(value)


@test("json")
def is_json(value: Any) -> bool:
    """Kestra's ``json`` test: a string that parses as JSON."""
    if type(value) is not str:
        return False
    try:
        from_json_text(value)
    except ValueError:
        return False
    return True
