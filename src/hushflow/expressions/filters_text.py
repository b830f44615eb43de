"""Built-in filters on strings (Pebble's and Kestra's), registered in the shared registry.

A filter receives plain values (the registry strips taint first) and raises
:class:`FilterError` with a message that never quotes its input.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from hushflow.expressions.limits import DEFAULT_LIMITS, INT_MAX, INT_MIN
from hushflow.expressions.runtime import REGISTRY, FilterError
from hushflow.expressions.values import is_empty, is_list, is_map, is_number, to_text

filter_ = REGISTRY.filter
MAX_REPEAT = 1000
#: No filter starts building a string larger than this (a hard cap before allocating).
MAX_RESULT_SIZE = DEFAULT_LIMITS.max_value_size


text_of = to_text


def need_text(value: Any, name: str) -> str:
    if type(value) is str:
        return value
    if value is None or is_list(value) or is_map(value):
        raise FilterError(f"The '{name}' filter needs a string")
    return to_text(value)


def need_int(value: Any, name: str, arg: str) -> int:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    raise FilterError(f"The '{name}' filter expects an integer as argument '{arg}'")


def compile_regex(pattern: Any, name: str) -> re.Pattern[str]:
    if type(pattern) is not str:
        raise FilterError(f"The '{name}' filter expects a string as argument 'regex'")
    try:
        return re.compile(pattern)
    except re.error:
        raise FilterError(f"The '{name}' filter got an invalid regular expression") from None


def java_replacement(replacement: str) -> str:
    """Java's ``$1``/``${name}`` group references to Python's ``\\g<1>``."""
    out: list[str] = []
    i = 0
    while i < len(replacement):
        char = replacement[i]
        if char == "\\" and i + 1 < len(replacement):
            out.append(replacement[i + 1].replace("\\", "\\\\"))
            i += 2
            continue
        if char == "$":
            match = re.match(r"\$(\d+|\{(\w+)\})", replacement[i:])
            if match is None:
                raise FilterError("Illegal group reference in the replacement")
            out.append(f"\\g<{match.group(2) or match.group(1)}>")
            i += match.end()
            continue
        out.append("\\\\" if char == "\\" else char)
        i += 1
    return "".join(out)


@filter_("abbreviate")
def abbreviate(value: Any, length: Any = None) -> Any:
    if value is None:
        return None
    text = text_of(value)
    size = need_int(length, "abbreviate", "length")
    if size < 0:
        raise FilterError("The 'abbreviate' filter expects a positive length")
    # Pebble's rule, including its quirk: a string exactly ``length`` long is cut too.
    if len(text) < size or len(text) <= 3:
        return text
    if size <= 3:
        return text[:size]
    return text[: size - 3] + "..."


@filter_("capitalize")
def capitalize(value: Any) -> Any:
    if value is None:
        return None
    text = text_of(value)
    return text[:1].upper() + text[1:]


@filter_("title")
def title(value: Any) -> Any:
    if value is None:
        return None
    out: list[str] = []
    start = True
    for char in text_of(value):
        out.append(char.upper() if start else char)
        start = char.isspace()
    return "".join(out)


@filter_("lower")
def lower(value: Any) -> Any:
    if type(value) is str:
        return value.lower()
    return None if value is None else to_text(value).lower()


@filter_("upper")
def upper(value: Any) -> Any:
    if type(value) is str:
        return value.upper()
    return None if value is None else to_text(value).upper()


@filter_("trim")
def trim(value: Any) -> Any:
    if type(value) is str:
        return value.strip()
    return None if value is None else to_text(value).strip()


@filter_("string")
def string(value: Any) -> Any:
    return text_of(value)


@filter_("default")
def default(value: Any, default: Any = None) -> Any:
    return default if is_empty(value) else value


@filter_("startsWith")
def starts_with(input_: Any, value: Any = None) -> bool:
    return text_of(input_).startswith(text_of(value))


@filter_("endsWith")
def ends_with(input_: Any, value: Any = None) -> bool:
    return text_of(input_).endswith(text_of(value))


@filter_("replace")
def replace(value: Any, replace_pairs: Any = None, regexp: Any = False) -> Any:
    if value is None:
        return None
    if type(replace_pairs) is str:
        raise FilterError(
            "The 'replace' filter expects a map of replacements, e.g. replace({'a': 'b'})"
        )
    if not is_map(replace_pairs):
        raise FilterError("The argument 'replace_pairs' is required")
    return _map_strings(value, lambda text: _replace_text(text, replace_pairs, bool(regexp)))


def _replace_text(text: str, pairs: dict[str, Any], regexp: bool) -> str:
    for search, replacement in pairs.items():
        if regexp:
            text = _regex_sub(compile_regex(search, "replace"), text_of(replacement), text)
        else:
            needle, new = text_of(search), text_of(replacement)
            growth = (len(new) - len(needle)) * (text.count(needle) if needle else len(text) + 1)
            check_result_size(len(text) + growth)
            text = text.replace(needle, new)
    return text


def check_result_size(size: int) -> None:
    """Refuse before building a string that would exceed the largest possible output."""
    if size > MAX_RESULT_SIZE:
        raise FilterError("The result would be larger than the output limit")


def _regex_sub(pattern: re.Pattern[str], replacement: str, text: str) -> str:
    matches = sum(1 for _ in pattern.finditer(text))
    check_result_size(len(text) + matches * len(replacement))
    return pattern.sub(java_replacement(replacement), text)


def _map_strings(value: Any, fn: Any) -> Any:
    """Apply ``fn`` to a string, or to every scalar inside a list/map (as Kestra does)."""
    if is_map(value):
        return {k: _map_strings(v, fn) for k, v in value.items()}
    if is_list(value):
        return [_map_strings(v, fn) for v in value]
    return fn(text_of(value))


@filter_("regexReplace")
def regex_replace(value: Any, regex: Any = None, replacement: Any = None) -> Any:
    if value is None:
        return None
    if regex is None:
        raise FilterError("The argument 'regex' is required")
    if replacement is None:
        raise FilterError("The argument 'replacement' is required")
    return _regex_sub(compile_regex(regex, "regexReplace"), text_of(replacement), text_of(value))


@filter_("regexMatch")
def regex_match(value: Any, regex: Any = None) -> bool:
    if value is None:
        return False
    if regex is None:
        raise FilterError("The argument 'regex' is required")
    return compile_regex(regex, "regexMatch").search(text_of(value)) is not None


@filter_("split")
def split(value: Any, delimiter: Any = None, limit: Any = None) -> Any:
    """Java ``String.split``: the delimiter is a regex; limit 0 drops trailing empties."""
    if value is None:
        return None
    if type(delimiter) is not str:
        raise FilterError("The 'split' filter expects a string as argument 'delimiter'")
    text = text_of(value)
    pattern = compile_regex(delimiter, "split")
    count = 0 if limit is None else need_int(limit, "split", "limit")
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        if count > 0 and len(parts) == count - 1:
            break
        if match.end() == 0:
            continue  # a zero-width match at the start gives no leading empty part
        parts.append(text[last : match.start()])
        last = match.end()
    if not parts:
        return [text]
    parts.append(text[last:])
    if count == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


@filter_("substring")
def substring(value: Any, start: Any = 0, end: Any = None) -> Any:
    if value is None:
        return None
    text = text_of(value)
    first = need_int(start, "substring", "start")
    last = len(text) if end is None else need_int(end, "substring", "end")
    if first < 0 or last > len(text) or first > last:
        raise FilterError("The 'substring' filter got indexes out of range")
    return text[first:last]


@filter_("substringBefore")
def substring_before(value: Any, separator: Any = None) -> Any:
    if value is None:
        return None
    text, sep = text_of(value), text_of(separator)
    index = text.find(sep)
    return text if index < 0 else text[:index]


@filter_("substringBeforeLast")
def substring_before_last(value: Any, separator: Any = None) -> Any:
    if value is None:
        return None
    text, sep = text_of(value), text_of(separator)
    if not sep:
        return text
    index = text.rfind(sep)
    return text if index < 0 else text[:index]


@filter_("substringAfter")
def substring_after(value: Any, separator: Any = None) -> Any:
    if value is None:
        return None
    text, sep = text_of(value), text_of(separator)
    if not sep:
        return text
    index = text.find(sep)
    return "" if index < 0 else text[index + len(sep) :]


@filter_("substringAfterLast")
def substring_after_last(value: Any, separator: Any = None) -> Any:
    if value is None:
        return None
    text, sep = text_of(value), text_of(separator)
    if not sep:
        return ""
    index = text.rfind(sep)
    return "" if index < 0 or index == len(text) - len(sep) else text[index + len(sep) :]


@filter_("slugify")
def slugify(value: Any) -> Any:
    if value is None:
        return None
    text = unicodedata.normalize("NFD", text_of(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^a-z0-9\s-]", "", text)
    text = re.sub(r"[\s-]+", "-", text.strip())
    return text.strip("-")


_ESCAPES = {"single": ("'", "\\'"), "double": ('"', '\\"'), "shell": ("'", "'\\''")}


@filter_("escapeChar")
def escape_char(value: Any, type: Any = None) -> Any:
    if value is None:
        return None
    if type is None:
        raise FilterError("The 'escapeChar' filter expects an argument 'type'")
    pair = _ESCAPES.get(text_of(type).lower())
    if pair is None:
        raise FilterError(
            "The 'escapeChar' filter expects the value of 'type' to be either "
            "'single', 'double', or 'shell'"
        )
    return _map_strings(value, lambda text: text.replace(*pair))


def _line_separator(text: str) -> str:
    for sep in ("\r\n", "\n\r", "\n", "\r"):
        if sep in text:
            return sep
    return "\n"


def _indent(value: Any, amount: Any, prefix: Any, name: str, leading: bool) -> Any:
    if value is None:
        return None
    text = text_of(value)
    if not text:
        return text
    if amount is None:
        raise FilterError(f"The '{name}' filter expects an integer as argument 'amount'")
    count = need_int(amount, name, "amount")
    if count < 0 or count > MAX_REPEAT:
        raise FilterError(
            f"The '{name}' filter expects an integer between 0 and {MAX_REPEAT} as 'amount'"
        )
    pad = (" " if prefix is None else text_of(prefix)) * count
    newline = _line_separator(text)
    check_result_size(len(text) + (text.count(newline) + 1) * len(pad))
    if leading:
        text = newline + text
    return text.replace(newline, newline + pad)


@filter_("indent")
def indent(value: Any, amount: Any = None, prefix: Any = None) -> Any:
    return _indent(value, amount, prefix, "indent", leading=False)


@filter_("nindent")
def nindent(value: Any, amount: Any = None, prefix: Any = None) -> Any:
    return _indent(value, amount, prefix, "nindent", leading=True)


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfFlL]?")
_HEX = re.compile(r"[+-]?(0[xX]|#)[0-9a-fA-F]+")


@filter_("number")
def number(value: Any, type: Any = None) -> Any:
    """Parse a string into a number (``type``: INT, LONG, FLOAT, DOUBLE, BIGDECIMAL...)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FilterError("The 'number' filter can only be applied to a string")
    text = value.strip()
    kind = (type or "").upper() if isinstance(type, str) else ""
    if _HEX.fullmatch(text):
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-").lstrip("0xX#")
        return _fit(sign * int(digits or "0", 16), kind)
    if not _NUMBER.fullmatch(text):
        raise FilterError("The 'number' filter cannot parse its input as a number")
    core = text.rstrip("dDfFlL")
    is_float = any(c in core for c in ".eE") or text[-1:] in "dDfF"
    if kind in ("FLOAT", "DOUBLE", "BIGDECIMAL") or (is_float and kind not in ("INT", "LONG")):
        return float(core)
    if is_float:
        raise FilterError("The 'number' filter cannot parse its input as an integer")
    return _fit(int(core), kind)


def _fit(value: int, kind: str) -> int:
    if kind == "INT" and not -(2**31) <= value < 2**31:
        raise FilterError("The 'number' filter: value out of range for INT")
    if not INT_MIN <= value <= INT_MAX and kind != "BIGINTEGER":
        raise FilterError("The 'number' filter: value out of range for LONG")
    return value


@filter_("abs")
def abs_(value: Any) -> Any:
    if value is None:
        return None
    if not is_number(value):
        raise FilterError("The 'abs' filter needs a number")
    return abs(value)


@filter_("numberFormat", "numberformat")
def number_format(value: Any, format: Any = None, locale: Any = None) -> Any:
    """Java ``DecimalFormat`` subset: ``0`` and ``#`` digits, ``,`` grouping, ``.`` decimals."""
    if value is None:
        return None
    if not is_number(value):
        raise FilterError("The input for the 'NumberFormat' filter has to be a number.")
    if format is None:
        # Java's NumberFormat.getInstance() for English: grouping, up to 3 decimals.
        return _decimal_format(value, DEFAULT_NUMBER_FORMAT)
    if type(format) is not str:
        raise FilterError("The 'numberFormat' filter expects a string as argument 'format'")
    return _decimal_format(value, format)


DEFAULT_NUMBER_FORMAT = "#,##0.###"


def _decimal_format(value: int | float, pattern: str) -> str:
    match = re.fullmatch(r"([^#0,.]*)([#0,]*)(?:\.([#0]*))?([^#0,.]*)", pattern)
    if match is None or not match.group(2):
        raise FilterError("The 'numberFormat' filter got an unsupported format")
    prefix, whole, frac, suffix = (
        match.group(1),
        match.group(2),
        match.group(3) or "",
        match.group(4),
    )
    percent = "%" in suffix or "%" in prefix
    try:
        number = Decimal(repr(value) if type(value) is float else value)
    except InvalidOperation:
        raise FilterError("The 'numberFormat' filter cannot format this number") from None
    if percent:
        number *= 100
    min_frac, max_frac = frac.count("0"), len(frac)
    number = number.quantize(Decimal(1).scaleb(-max_frac), rounding=ROUND_HALF_EVEN)
    sign = "-" if number < 0 else ""
    digits = f"{abs(number):f}"
    int_part, _, frac_part = digits.partition(".")
    frac_part = frac_part.rstrip("0").ljust(min_frac, "0")
    min_int = whole.replace(",", "").count("0")
    int_part = int_part.lstrip("0").rjust(min_int, "0")
    if "," in whole:
        size = len(whole) - whole.rfind(",") - 1
        if size > 0:
            groups: list[str] = []
            while len(int_part) > size:
                groups.insert(0, int_part[-size:])
                int_part = int_part[:-size]
            int_part = ",".join([int_part, *groups]) if int_part else ",".join(groups)
    body = int_part + ("." + frac_part if frac_part else "")
    if not int_part and not frac_part:
        body = "0"
    elif not int_part:
        body = "0" + body if min_int else body
    return f"{sign}{prefix}{body}{suffix}"
