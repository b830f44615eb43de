"""Kestra's own example from "Best Practices for Secrets", exactly as the page shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushflow.lint import Confidence, Severity, lint_source
from tests.lint.helpers import position_of

SECRET_TEST = """id: secret_test
namespace: company.team

tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "You can see my secret token {{ secret('jsonSecret') | jq('.token') }}"
"""
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "kestra-flows" / "secret_test.yaml"


def test_the_three_practices_it_breaks_at_the_call_and_the_filter() -> None:
    found = {f.rule: f for f in lint_source(SECRET_TEST, file="secret_test.yaml")}
    call, jq = position_of(SECRET_TEST, "secret('"), position_of(SECRET_TEST, "jq(")
    assert call == (7, 46) and jq == (7, 69)
    assert (found["secret-in-log"].line, found["secret-in-log"].column) == call
    assert (found["secret-transformed"].line, found["secret-transformed"].column) == jq
    structured = found["secret-structured-access"]
    assert (structured.line, structured.column) == jq
    assert "secret('jsonSecret', subkey='token')" in structured.message
    assert "'jq'" in found["secret-transformed"].message
    assert found["secret-in-log"].severity is Severity.ERROR
    assert found["secret-in-log"].confidence is Confidence.HIGH
    assert found["secret-in-log"].help.endswith("#secret-in-log")


def test_the_corpus_copy_gives_the_same_findings() -> None:
    if not CORPUS.exists():
        pytest.skip("the Kestra corpus is not on this machine")
    mine = [(f.rule, f.line, f.column) for f in lint_source(SECRET_TEST)]
    theirs = [(f.rule, f.line, f.column) for f in lint_source(CORPUS.read_text())]
    assert mine == theirs


def test_findings_are_json_ready() -> None:
    import json

    payload = json.loads(json.dumps([f.to_dict() for f in lint_source(SECRET_TEST)]))
    log = next(p for p in payload if p["rule"] == "secret-in-log")
    assert log["severity"] == "error" and log["confidence"] == "high"
    assert (log["line"], log["column"]) == (7, 46)
    assert set(log) == {
        "rule", "severity", "confidence", "message", "line", "column", "file", "help"
    }  # fmt: skip
