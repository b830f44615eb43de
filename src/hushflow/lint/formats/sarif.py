"""SARIF 2.1.0, the format code-scanning UIs (GitHub, GitLab, IDEs) read.

Every registered rule is listed in ``tool.driver.rules``; suppressed findings
are included with an ``inSource`` suppression and their reason, as SARIF asks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from hushflow import __version__
from hushflow.lint.finding import Finding, Severity
from hushflow.lint.linter import LintReport
from hushflow.lint.registry import all_rules

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rules() -> list[dict[str, object]]:
    return [
        {
            "id": rule.id,
            "name": rule.id,
            "shortDescription": {"text": rule.summary},
            "helpUri": rule.help,
            "defaultConfiguration": {"level": LEVELS[rule.severity]},
            "properties": {"confidence": rule.confidence.value},
        }
        for rule in all_rules()
    ]


def _result(finding: Finding, reason: str | None) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": finding.rule,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.file or "flow.yml"},
                    "region": {"startLine": finding.line, "startColumn": finding.column},
                }
            }
        ],
        "properties": {"confidence": finding.confidence.value},
    }
    if reason is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": reason}]
    return result


def document(reports: Sequence[LintReport]) -> dict[str, object]:
    results = [_result(f, None) for r in reports for f in r.findings]
    results += [_result(f, reason) for r in reports for f, reason in r.suppressed]
    driver = {
        "name": "hushflow-lint",
        "version": __version__,
        "rules": _rules(),
    }
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }


def render(reports: Sequence[LintReport]) -> str:
    return json.dumps(document(reports), indent=2, ensure_ascii=False)
