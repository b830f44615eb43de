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
from email.utils import parsedate_to_datetime
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
    if pattern == "rfc_1123_date_time":
        try:
            return parsedate_to_datetime(value.strip())
        except (TypeError, ValueError):
            raise FilterError("Unable to parse the date as RFC 1123") from None
    if pattern in _ISO_FORMATS:
        return to_datetime(value, zone)
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
        return _text_or_number(
            m.month, calendar.month_abbr[m.month], calendar.month_name[m.month], n
        )
    if letter == "d":
        return f"{m.day:0{n}d}"
    if letter == "D":
        return f"{m.timetuple().tm_yday:0{n}d}"
    if letter == "w":
        return f"{m.isocalendar()[1]:0{n}d}"
    if letter == "e":
        return _day_of_week(m, n)
    if letter == "E":
        full = calendar.day_name[m.weekday()]
        return full[0] if n == 5 else (full if n == 4 else calendar.day_abbr[m.weekday()])
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
    other = _OTHER_FIELDS.get(letter)
    if other is not None:
        return other(m, n)
    raise FilterError(f"Unsupported date pattern letter '{letter}'")


def _text_or_number(number: int, short: str, full: str, n: int) -> str:
    """Java's rule for letters that print as a number (1-2 letters) or text (3+)."""
    if n <= 2:
        return f"{number:0{n}d}"
    if n == 3:
        return short
    return full[0] if n == 5 else full


def _quarter(m: datetime, n: int) -> str:
    q = (m.month - 1) // 3 + 1
    ordinal = ("1st", "2nd", "3rd", "4th")[q - 1]
    return _text_or_number(q, f"Q{q}", f"{ordinal} quarter", n)


def _localized_offset(m: datetime, n: int) -> str:
    """``O`` (``GMT+2``) and ``OOOO`` (``GMT+02:00``)."""
    seconds = int((m.utcoffset() or timedelta(0)).total_seconds())
    if seconds == 0:
        return "GMT"
    sign = "+" if seconds > 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    if n >= 4:
        return f"GMT{sign}{hours:02d}:{minutes:02d}"
    return f"GMT{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def _day_of_week(m: datetime, n: int) -> str:
    """``c``/``e`` as text for 3+ letters; as a number, ISO (Monday is 1)."""
    day = m.weekday()
    return _text_or_number(m.isoweekday(), calendar.day_abbr[day], calendar.day_name[day], n)


def _milli_of_day(m: datetime, n: int) -> str:
    millis = ((m.hour * 60 + m.minute) * 60 + m.second) * 1000 + m.microsecond // 1000
    return f"{millis:0{n}d}"


def _nano_of_day(m: datetime, n: int) -> str:
    seconds = (m.hour * 60 + m.minute) * 60 + m.second
    return f"{seconds * 1_000_000_000 + m.microsecond * 1000:0{n}d}"


_OTHER_FIELDS: dict[str, Callable[[datetime, int], str]] = {
    "G": lambda m, n: "AD" if n < 4 else ("Anno Domini" if n == 4 else "A"),
    "Q": _quarter,
    "q": _quarter,
    "W": lambda m, n: f"{(m.day + m.replace(day=1).weekday()) // 7 + 1:0{n}d}",
    "F": lambda m, n: f"{(m.day - 1) // 7 + 1:0{n}d}",
    "c": _day_of_week,
    "K": lambda m, n: f"{m.hour % 12:0{n}d}",
    "k": lambda m, n: f"{m.hour or 24:0{n}d}",
    "A": _milli_of_day,
    "n": lambda m, n: f"{m.microsecond * 1000:0{n}d}",
    "N": _nano_of_day,
    "O": _localized_offset,
}


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


_FRACTION = re.compile(r"T\d{2}:\d{2}:\d{2}[.,](\d+)")


def _epoch(value: Any, timeZone: Any, existingFormat: Any) -> tuple[int, int]:
    """Epoch seconds and the nanosecond of that second (ISO text keeps all 9 digits)."""
    moment = to_datetime(value, zone_of(timeZone), existingFormat)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    seconds = delta.days * 86_400 + delta.seconds
    nanos = delta.microseconds * 1000
    if type(value) is str and existingFormat is None:
        fraction = _FRACTION.search(value)
        if fraction is not None:
            nanos = int(fraction.group(1)[:9].ljust(9, "0"))
    return seconds, nanos


@filter_("timestamp")
def timestamp(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    return None if value is None else _epoch(value, timeZone, existingFormat)[0]


@filter_("timestampMilli")
def timestamp_milli(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    if value is None:
        return None
    seconds, nanos = _epoch(value, timeZone, existingFormat)
    return seconds * 1000 + nanos // 1_000_000


@filter_("timestampMicro")
def timestamp_micro(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    """Kestra's ``timestampMicro``, digit for digit: epoch *nanoseconds* of the whole
    seconds plus the microseconds (``1378653552000123456`` for ``.123456``), which
    is what Kestra computes and what flows written against it expect."""
    if value is None:
        return None
    seconds, nanos = _epoch(value, timeZone, existingFormat)
    return seconds * 1_000_000_000 + nanos // 1000


@filter_("timestampNano")
def timestamp_nano(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    """Epoch nanoseconds, all nine digits of an ISO fraction kept."""
    if value is None:
        return None
    seconds, nanos = _epoch(value, timeZone, existingFormat)
    return seconds * 1_000_000_000 + nanos


def instant_text(moment: datetime) -> str:
    """``moment`` as Java's ``Instant.toString()``: UTC, ``Z``, fraction in 3, 6 or 9 digits.

    ``2024-01-01T10:00:00Z``, ``2024-01-01T10:00:00.123Z``: how Kestra prints
    ``execution.startDate``, ``taskrun.startDate`` and other instants.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    return f"{utc.date().isoformat()}T{_local_time(utc)}Z"


def now_text(zone: tzinfo) -> str:
    """The current instant as ISO 8601 in ``zone`` (``Z`` for UTC)."""
    return format_datetime(datetime.now(UTC).astimezone(zone), "iso_offset_date_time")
