"""Compiler-style text: ``FILE:LINE:COL: error[rule]: message``, the line, and a caret under it."""

from __future__ import annotations

from collections.abc import Sequence

from hushflow.lint.finding import Finding
from hushflow.lint.linter import LintReport


def finding_lines(report: LintReport, finding: Finding) -> list[str]:
    where = f"{finding.file or '<flow>'}:{finding.line}:{finding.column}"
    head = f"{where}: {finding.severity.value}[{finding.rule}]: {finding.message}"
    out = [head]
    excerpt = report.excerpt(finding)
    if excerpt is not None:
        shown = excerpt.replace("\t", " ")
        out.append(f"    {shown}")
        out.append("    " + " " * (finding.column - 1) + "^")
    out.append(f"    help: {finding.help} ({finding.confidence.value} confidence)")
    return out


def summary(reports: Sequence[LintReport]) -> str:
    counts = {"error": 0, "warning": 0, "info": 0}
    for report in reports:
        for finding in report.findings:
            counts[finding.severity.value] += 1
    suppressed = sum(len(r.suppressed) for r in reports)
    parts = [f"{n} {name}{'s' if n != 1 and name != 'info' else ''}" for name, n in counts.items()]
    files = f"{len(reports)} flow{'s' if len(reports) != 1 else ''}"
    return f"{files} linted: " + ", ".join(parts) + f" ({suppressed} suppressed)"


def render(reports: Sequence[LintReport]) -> str:
    lines: list[str] = []
    for report in reports:
        for finding in report.findings:
            lines.extend(finding_lines(report, finding))
    lines.append(summary(reports))
    return "\n".join(lines)
