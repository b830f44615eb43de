"""Typing and validating execution inputs against the flow's declarations.

Raw values (from the CLI, the API, a parent flow) are strings or JSON values;
each declared input turns its raw value into a typed one or says exactly what
is wrong. All problems are reported together, one line per input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any

import yaml

from hushflow.engine.variables import set_dotted
from hushflow.errors import InputError
from hushflow.models.duration import format_duration, parse_duration
from hushflow.models.flow import Flow, Input
from hushflow.models.yaml_limits import safe_load_bounded

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("expected an integer")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return int(str(raw).strip())


def _float(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError("expected a number")
    return float(raw) if isinstance(raw, int | float) else float(str(raw).strip())


def _datetime(raw: Any) -> str:
    text = str(raw).strip().replace("Z", "+00:00")
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("a DATETIME needs a time zone, e.g. 2024-01-31T10:00:00Z")
    return value.isoformat().replace("+00:00", "Z")


def _date(raw: Any) -> str:
    return (raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())).isoformat()


def _time(raw: Any) -> str:
    return time.fromisoformat(str(raw).strip()).isoformat()


def _duration(raw: Any) -> str:
    return format_duration(parse_duration(str(raw)))


def _json(raw: Any) -> Any:
    return json.loads(raw) if isinstance(raw, str) else raw


def _yaml(raw: Any) -> Any:
    return safe_load_bounded(raw) if isinstance(raw, str) else raw


def _string(raw: Any) -> str:
    if isinstance(raw, dict | list):
        return json.dumps(raw, separators=(",", ":"))
    return str(raw)


def _email(raw: Any) -> str:
    text = str(raw).strip()
    if not EMAIL.match(text):
        raise ValueError("expected an email address")
    return text


def _uri(raw: Any) -> str:
    text = str(raw).strip()
    if not URI.match(text):
        raise ValueError("expected a URI such as https://example.com/x")
    return text


PARSERS: dict[str, Callable[[Any], Any]] = {
    "STRING": _string,
    "SECRET": _string,
    "INT": _int,
    "FLOAT": _float,
    "BOOLEAN": _bool,
    "BOOL": _bool,
    "DATETIME": _datetime,
    "DATE": _date,
    "TIME": _time,
    "DURATION": _duration,
    "JSON": _json,
    "YAML": _yaml,
    "EMAIL": _email,
    "URI": _uri,
    "FILE": _string,
}


def _choice(spec: Input, raw: Any) -> Any:
    allowed = [str(v) for v in spec.values or []]
    if spec.type == "MULTISELECT":
        items = _json(raw) if isinstance(raw, str) and raw.strip().startswith("[") else raw
        items = items if isinstance(items, list) else [items]
        bad = [str(i) for i in items if str(i) not in allowed and not spec.allow_custom_value]
        if bad:
            raise ValueError(f"{bad} not among the allowed values {allowed}")
        return [str(i) for i in items]
    if str(raw) not in allowed and not spec.allow_custom_value:
        raise ValueError(f"it must match the values `[{', '.join(allowed)}]`")
    return str(raw)


def _array(spec: Input, raw: Any) -> list[Any]:
    items = _json(raw)
    if not isinstance(items, list):
        raise ValueError("expected a JSON array, e.g. [1, 2, 3]")
    kind = spec.item_type or "STRING"
    parse: Callable[[Any], Any] = PARSERS.get(kind, _string)
    out = []
    for item in items:
        try:
            out.append(parse(item))
        except (ValueError, TypeError):
            raise ValueError(f"Unable to parse array element as `{kind}` on `{item}`") from None
    return out


def _check_bounds(spec: Input, value: Any) -> None:
    def bound(raw: Any) -> Any:
        if spec.type == "DURATION":
            return parse_duration(str(raw))
        if spec.type in ("DATE", "DATETIME", "TIME"):
            return PARSERS[spec.type](raw)
        return raw

    compare = parse_duration(value) if spec.type == "DURATION" else value
    if spec.min is not None and compare < bound(spec.min):
        raise ValueError(f"must be at least {spec.min}")
    if spec.max is not None and compare > bound(spec.max):
        raise ValueError(f"must be at most {spec.max}")
    if spec.after is not None and compare <= bound(spec.after):
        raise ValueError(f"must be after {spec.after}")
    if spec.before is not None and compare >= bound(spec.before):
        raise ValueError(f"must be before {spec.before}")
    if spec.validator and isinstance(value, str) and not re.fullmatch(spec.validator, value):
        raise ValueError(f"does not match the pattern '{spec.validator}'")


def type_input(spec: Input, raw: Any) -> Any:
    """The typed value of one input; ``ValueError`` with a reason when it does not fit."""
    if spec.type in ("SELECT", "ENUM", "MULTISELECT"):
        return _choice(spec, raw)
    if spec.type == "ARRAY":
        return _array(spec, raw)
    value = PARSERS[spec.type](raw)
    _check_bounds(spec, value)
    return value


FileStore = Callable[[Input, str], str]


def resolve_inputs(
    flow: Flow,
    raw: Mapping[str, Any],
    *,
    typed: bool = True,
    store_file: FileStore | None = None,
    is_secret: Callable[[Any], bool] | None = None,
) -> dict[str, Any]:
    """Typed inputs for an execution; all problems at once as an ``InputError``.

    Each problem reads as Kestra words it, prefixed by the input id:
    ``enum: Invalid input for `enum`, it must match ..., but received `X```.
    ``store_file`` copies a FILE input into storage and returns its URI.
    ``is_secret`` tells which raw values hold secret text (a parent flow passed
    a secret): those are never quoted, nor is the parser's own reason.
    """
    out: dict[str, Any] = {}
    problems: list[str] = []
    declared = {i.id for i in flow.inputs}
    for name in raw:
        if name not in declared:
            problems.append(
                f"{name}: input `{name}` is not declared by flow {flow.namespace}.{flow.id}"
            )
    for spec in flow.inputs:
        value = raw.get(spec.id, spec.defaults)
        if value is None or (value == "" and spec.type not in ("STRING", "SECRET")):
            if spec.required and spec.defaults is None:
                problems.append(_invalid(spec, "missing required input", None))
            else:
                set_dotted(out, spec.id, None)
            continue
        if not typed:
            set_dotted(out, spec.id, value)
            continue
        try:
            value = type_input(spec, value)
            if spec.type == "FILE" and store_file is not None:
                value = store_file(spec, value)
        except (ValueError, TypeError, OSError, yaml.YAMLError) as exc:
            if spec.type == "SECRET" or (is_secret is not None and is_secret(value)):
                problems.append(_invalid(spec, f"it is not a valid {spec.type}", value, hide=True))
            else:
                problems.append(_invalid(spec, _reason(exc), value))
            continue
        set_dotted(out, spec.id, value)
    if problems:
        raise InputError("\n".join(problems))
    return out


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"cannot read the file: {exc.strerror}"
    return str(exc)


def _invalid(spec: Input, reason: str, value: Any, hide: bool = False) -> str:
    """Kestra's wording for an invalid input (a secret value is never shown)."""
    hide = hide or spec.type == "SECRET"
    shown = "****" if hide and value is not None else _short(value)
    return f"{spec.id}: Invalid input for `{spec.id}`, {reason}, but received `{shown}`"


def _short(value: Any) -> str:
    if value is None:
        return "null"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    # Never cut a value: a cut piece of a secret would no longer match its mask.
    return text if len(text) <= 200 else f"<a value of {len(text)} characters>"
