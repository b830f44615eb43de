"""Kestra's script line protocol: ``::{"outputs": {...}}::`` and ``::{"logs": [...]}::``.

hushflow adds ``::{"secretOutputs": {...}}::``: values a later task needs but
nobody may read (a token the script obtained). The task registers them with
the masker as soon as the line is read and the engine stores them sealed.

A script sets outputs or sends log lines by printing one JSON object between
``::`` markers on a line of its own. The lines this module reads have been
masked already (the task masks output before cutting it into lines), so a
secret a script prints here arrives as the mask token, exactly as it would in
the stored outputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

_LEVELS = {
    "ERROR": "ERROR",
    "WARN": "WARN",
    "WARNING": "WARN",
    "INFO": "INFO",
    "DEBUG": "DEBUG",
    "TRACE": "TRACE",
}


@dataclass
class Directive:
    """What one protocol line asks for: outputs to merge and lines to log."""

    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: dict[str, Any] = field(default_factory=dict)
    logs: list[tuple[str, str]] = field(default_factory=list)


def parse_line(line: str) -> Directive | None:
    """The directive on ``line``, or None when it is an ordinary line.

    A line that looks like a directive but is not valid JSON (or not an
    object) is an ordinary line: it is logged as printed, like Kestra does.
    """
    text = line.strip()
    if len(text) < 6 or not (text.startswith("::{") and text.endswith("}::")):
        return None
    try:
        data = json.loads(text[2:-2])
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    directive = Directive()
    outputs = data.get("outputs")
    if isinstance(outputs, dict):
        directive.outputs = outputs
    secret = data.get("secretOutputs")
    if isinstance(secret, dict):
        directive.secret_outputs = secret
    logs = data.get("logs")
    if isinstance(logs, list):
        directive.logs = [_log_entry(entry) for entry in logs]
    return directive


def _log_entry(entry: Any) -> tuple[str, str]:
    if not isinstance(entry, dict):
        return "INFO", _text(entry)
    level = _LEVELS.get(str(entry.get("level", "INFO")).upper(), "INFO")
    return level, _text(entry.get("message", ""))


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
