"""Checking a flow source the way ``flow validate`` does, plus the secret linter's findings."""

from __future__ import annotations

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
    """One linter finding (a secret best-practice the flow breaks), at its line and column."""

    message: str
    rule: str | None = None
    severity: str | None = None
    line: int | None = None
    column: int | None = None
    help: str | None = None


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


def lint(source: str) -> list[Finding]:
    """The secret linter's findings for ``source``, as the API shows them."""
    from hushflow.lint import lint_source

    return [
        Finding(
            message=item.message,
            rule=item.rule,
            severity=item.severity.value,
            line=item.line,
            column=item.column,
            help=item.help or None,
        )
        for item in lint_source(source)
    ]
