"""GitHub Actions workflow commands: ``::error file=F,line=L,col=C,title=rule::message``."""

from __future__ import annotations

from collections.abc import Sequence

from hushflow.lint.finding import Severity
from hushflow.lint.linter import LintReport

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(reports: Sequence[LintReport]) -> str:
    lines = []
    for report in reports:
        for f in report.findings:
            props = f"file={_property(f.file or 'flow.yml')},line={f.line},col={f.column}"
            title = _property(f"hushflow {f.rule}")
            lines.append(f"::{COMMANDS[f.severity]} {props},title={title}::{_data(f.message)}")
    return "\n".join(lines)
