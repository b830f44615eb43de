"""Amazon Ion text for ``toIon`` and ``fromIon``: Kestra stores task outputs as Ion.

Writing covers the JSON values the engine holds and prints them as Kestra's
Jackson Ion writer does: compact (``{a:1,b:"x"}``), no version marker, field
names as bare symbols when they can be, doubles with an exponent
(``1.5e0``, ``1.0e-4``). Reading accepts any Ion text through the
``amazon.ion`` library and maps Ion's richer types onto JSON: decimals and
floats to numbers, symbols and text to strings, timestamps to ISO 8601
strings, blobs and clobs to base64 strings, s-expressions to lists.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from amazon.ion import simpleion
from amazon.ion.simple_types import IonPyBool, IonPyNull
from amazon.ion.symbols import SymbolToken

from hushflow.expressions.runtime import FilterError
from hushflow.expressions.values import is_list, java_double, type_name

_SYMBOL = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
#: Identifiers that Ion reads as something other than a symbol, so they are quoted.
_KEYWORDS = frozenset({"null", "true", "false", "nan"})
_ESCAPES = {
    "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
    "\v": "\\v", "\0": "\\0", "\a": "\\a",
}  # fmt: skip


def write(value: Any) -> str:
    """Ion text of a JSON value, as ``toIon`` prints it."""
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def _write(value: Any, out: list[str]) -> None:
    kind = type(value)
    if value is None:
        out.append("null")
    elif kind is bool:
        out.append("true" if value else "false")
    elif kind is int:
        out.append(str(value))
    elif kind is float:
        out.append(_double(value))
    elif kind is str:
        out.append(_quoted(value, '"'))
    elif isinstance(value, Mapping):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(_field_name(str(key)))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif is_list(value):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise FilterError(f"Unable to transform to ion value with type '{type_name(value)}'")


def _double(value: float) -> str:
    """Ion's text for a double: Java's digits with an ``e`` exponent always present."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    text = java_double(value)
    if "E" in text:
        return text.replace("E", "e")
    return text + "e0"


def _field_name(name: str) -> str:
    if _SYMBOL.fullmatch(name) and name not in _KEYWORDS:
        return name
    return _quoted(name, "'")


def _quoted(text: str, quote: str) -> str:
    out = [quote]
    for char in text:
        if char == quote:
            out.append("\\" + quote)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    out.append(quote)
    return "".join(out)


def read(text: str) -> Any:
    """The first value of an Ion text document, as JSON data."""
    try:
        values = simpleion.loads(text, single_value=False)
    except Exception:
        # The parser's message can quote the text, which may be secret.
        raise FilterError(
            "Invalid ion: the text is not valid Amazon Ion (the 'fromIon' function "
            "could not parse its argument)"
        ) from None
    if not values:
        return None
    return _plain(values[0])


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, IonPyNull):
        return None
    if isinstance(value, IonPyBool | bool):
        return bool(value)
    if isinstance(value, SymbolToken):
        if value.text is None:
            raise FilterError("The 'fromIon' function read a symbol without text")
        return str(value.text)
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Decimal):
        whole = value.as_tuple().exponent == 0
        return int(value) if whole else float(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    raise FilterError("The 'fromIon' function read a value it cannot represent")


def _timestamp(value: datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
