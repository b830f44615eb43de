"""Per-rule and per-namespace settings from hushflow.yml's ``lint`` section."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushflow.errors import ConfigError
from hushflow.lint import LintConfig, Severity, known_rules, lint_report
from tests.lint.helpers import findings, flow

LOG = "io.kestra.plugin.core.log.Log"
SOURCE = flow(f"  - id: l\n    type: {LOG}\n    message: \"{{{{ secret('K') | upper }}}}\"\n")


def config(section: object) -> LintConfig:
    return LintConfig.from_mapping(section, known_rules())


def test_severity_per_rule_and_off() -> None:
    cfg = config({"rules": {"secret-in-log": "warning", "secret-transformed": "off"}})
    found = {f.rule: f.severity for f in findings(SOURCE, config=cfg)}
    assert found == {"secret-in-log": Severity.WARNING}


def test_the_most_specific_namespace_wins() -> None:
    cfg = config(
        {
            "rules": {"secret-transformed": "info"},
            "namespaces": {
                "company": {"rules": {"secret-transformed": "error"}},
                "company.team": {"rules": {"secret-transformed": {"severity": "warning"}}},
                "company.other": {"rules": {"secret-transformed": "off"}},
            },
        }
    )
    found = {f.rule: f.severity for f in findings(SOURCE, config=cfg)}
    assert found["secret-transformed"] is Severity.WARNING
    elsewhere = SOURCE.replace("company.team", "company.other")
    assert "secret-transformed" not in {f.rule for f in findings(elsewhere, config=cfg)}
    sibling = SOURCE.replace("company.team", "companyx")
    assert {f.rule: f.severity for f in findings(sibling, config=cfg)}[
        "secret-transformed"
    ] is Severity.INFO


def test_rule_options_reach_the_rule() -> None:
    tasks = "".join(
        f"  - id: t{i}\n    type: {LOG}\n    message: \"{{{{ secret('K') | length }}}}\"\n"
        for i in range(3)
    )
    assert "secret-to-many-tasks" not in {f.rule for f in findings(flow(tasks))}
    cfg = config({"rules": {"secret-to-many-tasks": {"threshold": 2}}})
    assert "secret-to-many-tasks" in {f.rule for f in findings(flow(tasks), config=cfg)}


def test_block_on_error_per_namespace() -> None:
    cfg = config({"namespaces": {"company.team": {"block_on_error": True}}})
    assert lint_report(SOURCE, config=cfg).blocks
    assert not lint_report(SOURCE.replace("company.team", "company.x"), config=cfg).blocks
    assert not lint_report(SOURCE).blocks


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"rules": {"secret-in-logs": "error"}}, "did you mean 'secret-in-log'"),
        ({"rules": {"secret-in-log": "fatal"}}, "severity must be"),
        ({"rules": ["secret-in-log"]}, "must be a mapping"),
        ({"block_on_error": "yes"}, "true or false"),
        ({"rules": {"secret-to-many-tasks": {"threshold": [1]}}}, "number"),
    ],
)
def test_bad_settings_are_clear_errors(section: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config(section)


def test_from_the_file_in_hushflow_home(tmp_path: Path) -> None:
    path = tmp_path / "hushflow.yml"
    assert LintConfig.from_file(path, known_rules()) == LintConfig()
    path.write_text("secrets: {cache_ttl: 1}\nlint:\n  rules:\n    secret-in-log: info\n")
    cfg = LintConfig.from_file(path, known_rules())
    assert {f.rule: f.severity for f in findings(SOURCE, config=cfg)}[
        "secret-in-log"
    ] is Severity.INFO
    path.write_text("lint: [\n")
    with pytest.raises(ConfigError, match="cannot read"):
        LintConfig.from_file(path, known_rules())
