"""How JSON values print and behave, the way Kestra (Java, Jackson) does it.

Numbers print like Java: integers plainly, doubles with ``Double.toString``
(``2.0``, ``1.0E-4``, ``1.0E20``); booleans ``true``/``false``; null as
nothing; lists and maps as compact JSON (``{"a":1}``). Values given by a
caller that are not JSON (tuples, other mappings) are read as their JSON
counterparts; anything else is refused rather than reached into.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def java_double(value: float) -> str:
    """``Double.toString`` of ``value``: plain between 1e-3 and 1e7, else scientific."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(digits) + int(exponent)  # position of the decimal point in ``text``
    prefix = "-" if sign else ""
    if 1e-3 <= abs(value) < 1e7:
        if point <= 0:
            return f"{prefix}0.{'0' * -point}{text}"
        whole, frac = text[:point].ljust(point, "0"), text[point:]
        return f"{prefix}{whole}.{frac or '0'}"
    mantissa = f"{text[0]}.{text[1:] or '0'}"
    return f"{prefix}{mantissa}E{point - 1}"


def to_text(value: Any) -> str:
    """The string a value prints as in a rendered template."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return java_double(value)
    return to_json(value)


def to_json(value: Any) -> str:
    """Compact JSON as Jackson writes it (no spaces, non-ASCII kept, Java doubles)."""
    parts: list[str] = []
    _write_json(value, parts)
    return "".join(parts)


def _write_json(value: Any, out: list[str]) -> None:
    kind = type(value)
    if kind is str:
        out.append(json.dumps(value, ensure_ascii=False))
    elif value is None:
        out.append("null")
    elif kind is bool:
        out.append("true" if value else "false")
    elif kind is int:
        out.append(str(value))
    elif kind is float:
        out.append(java_double(value) if math.isfinite(value) else f'"{java_double(value)}"')
    elif isinstance(value, Mapping):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(json.dumps(to_text(key), ensure_ascii=False))
            out.append(":")
            _write_json(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write_json(item, out)
        out.append("]")
    else:
        out.append(json.dumps(str(value), ensure_ascii=False))


def to_pretty_json(value: Any) -> str:
    """Indented JSON (two spaces) for ``toJson`` with ``pretty``-style output."""
    return json.dumps(from_json_text(to_json(value)), indent=2, ensure_ascii=False)


def from_json_text(text: str) -> Any:
    """Parse JSON, keeping numbers as int/float (Jackson: integers stay integers)."""
    return json.loads(text)


def expanded_size(value: Any, budget: int) -> int:
    """Approximate JSON size of ``value``, shared parts counted at every use.

    Stops counting once ``budget`` is exceeded, and memoizes containers by
    identity, so the walk is linear in the distinct containers even when the
    expanded size is astronomically larger.
    """
    memo: dict[int, int] = {}

    def size(item: Any) -> int:
        kind = type(item)
        if kind is str:
            return len(item) + 2
        if kind is not dict and kind is not list and kind is not tuple:
            return 4
        key = id(item)
        known = memo.get(key)
        if known is not None:
            return known
        memo[key] = budget + 1  # a container reached again while being measured
        total = 2
        for element in item.values() if kind is dict else item:
            total += size(element) + 1
            if total > budget:
                break
        memo[key] = total
        return total

    return size(value)


def type_name(value: Any) -> str:
    """A user-facing type name (JSON vocabulary, never a Python class name)."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is bool:
        return "boolean"
    if kind is int or kind is float:
        return "number"
    if kind is str:
        return "string"
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, list | tuple):
        return "list"
    return "unsupported value"


def java_class_name(value: Any) -> str:
    """The Java class Kestra holds a value as (Jackson's types for parsed JSON).

    Integers are ``Integer`` when they fit in 32 bits and ``Long`` beyond,
    as Jackson reads them; maps are ``LinkedHashMap`` (Jackson keeps order).
    """
    kind = type(value)
    if kind is str:
        return "java.lang.String"
    if kind is bool:
        return "java.lang.Boolean"
    if kind is int:
        return "java.lang.Integer" if -(2**31) <= value < 2**31 else "java.lang.Long"
    if kind is float:
        return "java.lang.Double"
    if isinstance(value, Mapping):
        return "java.util.LinkedHashMap"
    if isinstance(value, list | tuple):
        return "java.util.ArrayList"
    return "java.lang.Object"


def is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or kind is float


def truth(value: Any) -> bool:
    """Truthiness of a value in ``if``, ``and``, ``or``, ``not`` and ``? :``.

    Pebble's rules: null, false, 0, the empty string and empty collections
    are false; everything else is true.
    """
    if value is None:
        return False
    kind = type(value)
    if kind is bool:
        return value  # type: ignore[no-any-return]
    if kind is int or kind is float:
        return value != 0  # type: ignore[no-any-return]
    if kind is str or isinstance(value, Mapping | list | tuple):
        return len(value) > 0
    return True


def is_empty(value: Any) -> bool:
    """Pebble's ``empty`` test: null, empty string (also blank), empty collection."""
    if value is None:
        return True
    if type(value) is str:
        return value.strip() == ""
    if isinstance(value, Mapping | list | tuple):
        return len(value) == 0
    return False


def is_map(value: Any) -> bool:
    return isinstance(value, Mapping)


def is_list(value: Any) -> bool:
    return isinstance(value, list | tuple)
