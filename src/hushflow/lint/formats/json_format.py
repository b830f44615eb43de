"""Versioned JSON: ``{"version": 1, "flows": [...], "findings": [...]}``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from hushflow.lint.linter import LintReport

VERSION = 1


def document(reports: Sequence[LintReport]) -> dict[str, object]:
    return {
        "version": VERSION,
        "tool": "hushflow-lint",
        "flows": [
            {
                "file": r.file,
                "namespace": r.namespace,
                "id": r.flow_id,
                "errors": sum(1 for f in r.findings if f.severity.value == "error"),
                "blocks": r.blocks,
            }
            for r in reports
        ],
        "findings": [f.to_dict() for r in reports for f in r.findings],
        "suppressed": [
            {**f.to_dict(), "reason": reason} for r in reports for f, reason in r.suppressed
        ],
    }


def render(reports: Sequence[LintReport]) -> str:
    return json.dumps(document(reports), indent=2, ensure_ascii=False)
