"""Date filters (``date``, ``dateAdd``, ``timestamp``...) with Java ``DateTimeFormatter`` patterns.

Dates are JSON strings (ISO 8601) or integers (epoch seconds), as in Kestra.
Output is converted to ``timeZone`` (default UTC: hushflow does not depend
on the server's zone). Patterns use Java's letters (``yyyy-MM-dd'T'HH:mm``)
because that is what Kestra flows contain; the common letters are supported
and an unsupported one is a clear error.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hushflow.expressions.runtime import REGISTRY, FilterError

filter_ = REGISTRY.filter

NAMED_PATTERNS = {
    "iso": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
    "iso_sec": "yyyy-MM-dd'T'HH:mm:ssXXX",
    "sql": "yyyy-MM-dd HH:mm:ss.SSSSSS",
    "sql_seq": "yyyy-MM-dd HH:mm:ss",
    "iso_local_date": "yyyy-MM-dd",
    "iso_ordinal_date": "yyyy-DDDXXX",
    "iso_week_date": "YYYY-'W'ww-eXXX",
    "short": "M/d/yy, h:mm a",
    "medium": "MMM d, yyyy, h:mm:ss a",
    "long": "MMMM d, yyyy 'at' h:mm:ss a z",
    "full": "EEEE, MMMM d, yyyy 'at' h:mm:ss a z",
}
_TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|.", re.S)


def zone_of(name: Any) -> tzinfo:
    if name is None:
        return UTC
    if type(name) is not str:
        raise FilterError("The time zone must be a string such as 'Europe/Paris'")
    if name in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FilterError("Unknown time zone") from None


def to_datetime(value: Any, zone: tzinfo, existing_format: Any = None) -> datetime:
    """A date input (ISO string, epoch seconds, or ``existingFormat`` text) as an aware datetime."""
    if type(value) is int:
        try:
            return datetime.fromtimestamp(value, UTC).astimezone(zone)
        except (OverflowError, OSError, ValueError):
            raise FilterError("The epoch timestamp is out of range") from None
    if type(value) is not str:
        raise FilterError("A date must be an ISO 8601 string or epoch seconds")
    if existing_format is not None:
        return _parse_with_pattern(value, existing_format, zone)
    text = value.strip()
    bracket = re.fullmatch(r"(.*)\[([^\]]+)\]", text)
    if bracket:
        text = bracket.group(1)
        zone = zone_of(bracket.group(2))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise FilterError("Unable to parse the date (expected ISO 8601)") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def _parse_with_pattern(value: str, pattern: Any, zone: tzinfo) -> datetime:
    if type(pattern) is not str:
        raise FilterError("The 'existingFormat' must be a string")
    pattern = NAMED_PATTERNS.get(pattern, pattern)
    directives = {
        "yyyy": "%Y", "uuuu": "%Y", "yy": "%y", "MM": "%m", "M": "%m", "MMM": "%b",
        "MMMM": "%B", "dd": "%d", "d": "%d", "HH": "%H", "H": "%H", "hh": "%I", "h": "%I",
        "mm": "%M", "m": "%M", "ss": "%S", "s": "%S", "a": "%p", "EEE": "%a", "EEEE": "%A",
        "XXX": "%z", "XX": "%z", "X": "%z", "Z": "%z", "xxx": "%z", "DDD": "%j",
    }  # fmt: skip
    out: list[str] = []
    for match in _TOKEN.finditer(pattern):
        token = match.group()
        if token.startswith("'"):
            out.append(token[1:-1].replace("''", "'").replace("%", "%%") or "'")
        elif token[0].isalpha():
            if token[0] == "S":
                out.append("%f")
            elif token in directives:
                out.append(directives[token])
            else:
                raise FilterError(f"Unsupported date pattern letters '{token}' in existingFormat")
        else:
            out.append(token.replace("%", "%%"))
    try:
        parsed = datetime.strptime(value, "".join(out))
    except ValueError:
        raise FilterError("Unable to parse the date with the given existingFormat") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def format_datetime(moment: datetime, pattern: str) -> str:
    """Format with a named Kestra format or a Java ``DateTimeFormatter`` pattern."""
    special = _ISO_FORMATS.get(pattern)
    if special is not None:
        return special(moment)
    pattern = NAMED_PATTERNS.get(pattern, pattern)
    out: list[str] = []
    for match in _TOKEN.finditer(pattern):
        token = match.group()
        if token.startswith("'"):
            out.append(token[1:-1].replace("''", "'") if len(token) > 2 else "'")
        elif token[0].isalpha():
            out.append(_field(moment, token[0], len(token)))
        else:
            out.append(token)
    return "".join(out)


def _offset(moment: datetime, colon: bool, zulu: bool, short: bool = False) -> str:
    delta = moment.utcoffset() or timedelta(0)
    seconds = int(delta.total_seconds())
    if seconds == 0 and zulu:
        return "Z"
    sign = "+" if seconds >= 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    if short and minutes == 0:
        return f"{sign}{hours:02d}"
    return f"{sign}{hours:02d}{':' if colon else ''}{minutes:02d}"


def _field(m: datetime, letter: str, n: int) -> str:
    if letter in "yu":
        return f"{m.year % 100:02d}" if n == 2 else f"{m.year:0{n}d}"
    if letter == "Y":
        year = m.isocalendar()[0]
        return f"{year % 100:02d}" if n == 2 else f"{year:0{n}d}"
    if letter in "ML":
        if n >= 4:
            return calendar.month_name[m.month]
        return calendar.month_abbr[m.month] if n == 3 else f"{m.month:0{n}d}"
    if letter == "d":
        return f"{m.day:0{n}d}"
    if letter == "D":
        return f"{m.timetuple().tm_yday:0{n}d}"
    if letter == "w":
        return f"{m.isocalendar()[1]:0{n}d}"
    if letter == "e":
        return str(m.isoweekday())
    if letter == "E":
        return calendar.day_name[m.weekday()] if n >= 4 else calendar.day_abbr[m.weekday()]
    if letter == "H":
        return f"{m.hour:0{n}d}"
    if letter == "h":
        return f"{(m.hour % 12) or 12:0{n}d}"
    if letter == "m":
        return f"{m.minute:0{n}d}"
    if letter == "s":
        return f"{m.second:0{n}d}"
    if letter == "S":
        return f"{m.microsecond:06d}000"[:n].ljust(n, "0")
    if letter == "a":
        return "AM" if m.hour < 12 else "PM"
    if letter == "X":
        return _offset(m, colon=n >= 3, zulu=True, short=n == 1)
    if letter == "x":
        return _offset(m, colon=n >= 3, zulu=False, short=n == 1)
    if letter == "Z":
        return _offset(m, colon=n >= 5, zulu=n >= 5)
    if letter == "z":
        return m.tzname() or _offset(m, colon=True, zulu=True)
    if letter == "V":
        return _zone_id(m)
    raise FilterError(f"Unsupported date pattern letter '{letter}'")


def _zone_id(moment: datetime) -> str:
    zone = moment.tzinfo
    key = getattr(zone, "key", None)
    if key:
        return str(key)
    return "Z" if zone is UTC else _offset(moment, colon=True, zulu=True)


def _local_time(m: datetime) -> str:
    text = f"{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
    if m.microsecond:
        fraction = f"{m.microsecond:06d}".rstrip("0")
        text += "." + fraction.ljust(3 * ((len(fraction) + 2) // 3), "0")
    return text


def _zoned(m: datetime) -> str:
    text = f"{m.date().isoformat()}T{_local_time(m)}{_offset(m, colon=True, zulu=True)}"
    key = getattr(m.tzinfo, "key", None)
    return f"{text}[{key}]" if key else text


_ISO_FORMATS: dict[str, Callable[[datetime], str]] = {
    "iso_local_time": _local_time,
    "iso_local_date_time": lambda m: f"{m.date().isoformat()}T{_local_time(m)}",
    "iso_offset_date_time": lambda m: (
        f"{m.date().isoformat()}T{_local_time(m)}{_offset(m, colon=True, zulu=True)}"
    ),
    "iso_offset_time": lambda m: f"{_local_time(m)}{_offset(m, colon=True, zulu=True)}",
    "iso_time": lambda m: f"{_local_time(m)}{_offset(m, colon=True, zulu=True)}",
    "iso_date": lambda m: f"{m.date().isoformat()}{_offset(m, colon=True, zulu=True)}",
    "iso_date_time": _zoned,
    "rfc_1123_date_time": lambda m: (
        format_datetime(m, "EEE, d MMM yyyy HH:mm:ss ")
        + ("GMT" if not (m.utcoffset() or timedelta(0)) else _offset(m, colon=False, zulu=False))
    ),
    "iso_zoned_date_time": _zoned,
    "iso_instant": lambda m: (
        f"{m.astimezone(UTC).date().isoformat()}T{_local_time(m.astimezone(UTC))}Z"
    ),
}


def _format_arg(format: Any) -> str:
    if format is None:
        return "iso"
    if type(format) is not str:
        raise FilterError("The date 'format' must be a string")
    return format


@filter_("date")
def date(
    value: Any,
    format: Any = None,
    timeZone: Any = None,
    existingFormat: Any = None,
    locale: Any = None,
) -> Any:
    if value is None:
        return None
    zone = zone_of(timeZone)
    moment = to_datetime(value, zone, existingFormat).astimezone(zone)
    return format_datetime(moment, _format_arg(format))


_UNITS = {
    "NANOS": timedelta(microseconds=0.001),
    "MICROS": timedelta(microseconds=1),
    "MILLIS": timedelta(milliseconds=1),
    "SECONDS": timedelta(seconds=1),
    "MINUTES": timedelta(minutes=1),
    "HOURS": timedelta(hours=1),
    "HALF_DAYS": timedelta(hours=12),
    "DAYS": timedelta(days=1),
    "WEEKS": timedelta(weeks=1),
}
_MONTHS = {"MONTHS": 1, "YEARS": 12, "DECADES": 120, "CENTURIES": 1200, "MILLENNIA": 12000}


def add_amount(moment: datetime, amount: int, unit: str) -> datetime:
    """``ZonedDateTime.plus(amount, ChronoUnit.valueOf(unit))``: months clamp the day."""
    try:
        if unit in _UNITS:
            if unit in ("DAYS", "WEEKS"):
                naive = moment.replace(tzinfo=None) + _UNITS[unit] * amount
                return naive.replace(tzinfo=moment.tzinfo)
            return (moment.astimezone(UTC) + _UNITS[unit] * amount).astimezone(moment.tzinfo)
        if unit in _MONTHS:
            months = moment.year * 12 + moment.month - 1 + amount * _MONTHS[unit]
            year, month = divmod(months, 12)
            day = min(moment.day, calendar.monthrange(year, month + 1)[1])
            return moment.replace(year=year, month=month + 1, day=day)
    except (OverflowError, ValueError):
        raise FilterError("The resulting date is out of range") from None
    raise FilterError(
        "Unknown date unit (use SECONDS, MINUTES, HOURS, DAYS, WEEKS, MONTHS, YEARS...)"
    )


@filter_("dateAdd")
def date_add(
    value: Any,
    amount: Any = None,
    unit: Any = None,
    format: Any = None,
    timeZone: Any = None,
    existingFormat: Any = None,
    locale: Any = None,
) -> Any:
    if value is None:
        return None
    if type(amount) is not int:
        raise FilterError("The 'dateAdd' filter expects an integer 'amount'")
    if type(unit) is not str:
        raise FilterError("The 'dateAdd' filter expects a 'unit' such as 'DAYS'")
    zone = zone_of(timeZone)
    moment = to_datetime(value, zone, existingFormat)
    moment = add_amount(moment, amount, unit.upper())
    return format_datetime(moment.astimezone(zone), _format_arg(format))


def _epoch(value: Any, timeZone: Any, existingFormat: Any) -> tuple[int, int]:
    moment = to_datetime(value, zone_of(timeZone), existingFormat)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros // 1_000_000, micros


@filter_("timestamp")
def timestamp(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    return None if value is None else _epoch(value, timeZone, existingFormat)[0]


@filter_("timestampMilli")
def timestamp_milli(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    return None if value is None else _epoch(value, timeZone, existingFormat)[1] // 1000


@filter_("timestampMicro")
def timestamp_micro(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    return None if value is None else _epoch(value, timeZone, existingFormat)[1]


@filter_("timestampNano")
def timestamp_nano(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    return None if value is None else _epoch(value, timeZone, existingFormat)[1] * 1000


def now_text(zone: tzinfo) -> str:
    """The current instant as ISO 8601 in ``zone`` (``Z`` for UTC)."""
    return format_datetime(datetime.now(UTC).astimezone(zone), "iso_offset_date_time")
