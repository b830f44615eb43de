"""Inline suppression: a YAML comment with the rule ids and a reason."""

from __future__ import annotations

from hushflow.lint import lint_report
from tests.lint.helpers import flow

LOG = "io.kestra.plugin.core.log.Log"


def _task(message: str, comment: str = "", above: str = "") -> str:
    lead = f"    {above}\n" if above else ""
    tail = f"  {comment}" if comment else ""
    return f'  - id: l\n    type: {LOG}\n{lead}    message: "{message}"{tail}\n'


def test_a_trailing_comment_silences_its_line_and_keeps_the_reason() -> None:
    source = flow(_task("{{ secret('K') }}", "# hushflow: ignore[secret-in-log] demo of masking"))
    report = lint_report(source)
    assert "secret-in-log" not in {f.rule for f in report.findings}
    assert [(f.rule, why) for f, why in report.suppressed] == [("secret-in-log", "demo of masking")]


def test_a_comment_line_above_silences_the_next_node_only_for_the_rules_named() -> None:
    above = "# hushflow: ignore[secret-transformed, secret-in-log] the demo shows masking"
    source = flow(_task("{{ secret('K') | upper }}", above=above) + _task("{{ secret('K') }}"))
    report = lint_report(source)
    remaining = [(f.rule, f.line) for f in report.findings]
    assert remaining == [("secret-in-log", 10)]
    assert len(report.suppressed) == 2


def test_a_comment_above_a_task_covers_the_whole_task() -> None:
    source = (
        "id: f\nnamespace: company.team\ntasks:\n"
        "  # hushflow: ignore[secret-in-log] this task exists to show masking\n"
        f"  - id: l\n    type: {LOG}\n    message:\n"
        "      - \"{{ secret('A') }}\"\n      - \"{{ secret('B') }}\"\n"
        f"  - id: m\n    type: {LOG}\n    message: \"{{{{ secret('C') }}}}\"\n"
    )
    report = lint_report(source)
    assert [f.line for f in report.findings if f.rule == "secret-in-log"] == [12]


def test_without_a_reason_or_with_an_unknown_rule_it_does_not_apply() -> None:
    for comment in (
        "# hushflow: ignore[secret-in-log]",
        "# hushflow: ignore[secret-in-logs] typo",
        "# hushflow: ignore because",
    ):
        rules = [f.rule for f in lint_report(flow(_task("{{ secret('K') }}", comment))).findings]
        assert "secret-in-log" in rules and "invalid-suppression" in rules, comment


def test_the_words_inside_a_string_are_not_a_comment() -> None:
    message = "{{ secret('K') }} # hushflow: ignore[secret-in-log] not a comment"
    rules = [f.rule for f in lint_report(flow(_task(message))).findings]
    assert "secret-in-log" in rules and "invalid-suppression" not in rules
