"""Checking a flow source the way ``flow validate`` does, plus the linter when it is installed."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel

from hushflow.api.errors import ErrorDetail, details_of
from hushflow.errors import FlowValidationError, Location
from hushflow.models.flow import Flow
from hushflow.models.flow_source import locate, parse_flow


def parse_checked(source: str) -> Flow:
    """Parse ``source``; a Schedule the scheduler could not use is an error too."""
    from hushflow.tasks.triggers import is_schedule, parse_schedule

    flow = parse_flow(source)
    problems: list[tuple[Location | None, str]] = []
    for index, trigger in enumerate(flow.triggers):
        if not is_schedule(trigger):
            continue
        try:
            parse_schedule(trigger)
        except ValueError as exc:
            problems.append((locate(source, ("triggers", index)), str(exc)))
    if problems:
        raise FlowValidationError(problems)
    return flow


class Finding(BaseModel):
    """One linter finding (a best-practice warning, not an error)."""

    message: str
    rule: str | None = None
    line: int | None = None
    column: int | None = None


@dataclass
class Checked:
    """The outcome of validating one source."""

    flow: Flow | None
    errors: list[ErrorDetail] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)


def check(source: str) -> Checked:
    """Validate ``source`` without storing it: positioned errors and the linter's findings."""
    try:
        flow = parse_checked(source)
    except FlowValidationError as exc:
        return Checked(None, details_of(exc))
    return Checked(flow, [], lint(source))


def _linter() -> Callable[[str], Sequence[object]] | None:
    try:
        module = importlib.import_module("hushflow.lint")
    except ImportError:
        return None
    found = getattr(module, "lint_source", None)
    return found if callable(found) else None


def lint(source: str) -> list[Finding]:
    """The linter's findings (``hushflow.lint.lint_source``), or none if it is not there."""
    linter = _linter()
    if linter is None:
        return []
    return [_finding(item) for item in linter(source)]


def _finding(item: object) -> Finding:
    line = getattr(item, "line", None)
    column = getattr(item, "column", None)
    location = getattr(item, "location", None)
    if line is None and location is not None:
        line, column = getattr(location, "line", None), getattr(location, "column", None)
    rule = getattr(item, "rule", None) or getattr(item, "code", None)
    return Finding(
        message=str(getattr(item, "message", item)),
        rule=str(rule) if rule is not None else None,
        line=line if isinstance(line, int) else None,
        column=column if isinstance(column, int) else None,
    )
