"""``hushflow flow lint`` (and the lint in validate and deploy) as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from hushflow.storage.database import database_url, open_database
from hushflow.storage.repository import FlowRepository
from tests.cli.test_flow_cmd import hushflow, write

LOG = "io.kestra.plugin.core.log.Log"
BAD = f"id: bad\nnamespace: company.team\ntasks:\n  - id: l\n    type: {LOG}\n    message: \"{{{{ secret('K') }}}}\"\n"  # fmt: skip
WARN = f"id: warn\nnamespace: company.team\ntasks:\n  - id: l\n    type: {LOG}\n    runIf: \"{{{{ secret('K') == 'x' }}}}\"\n    message: hi\n"  # fmt: skip
CLEAN = f"id: clean\nnamespace: company.team\ntasks:\n  - id: l\n    type: {LOG}\n    message: hi\n"


def test_exit_codes(home: Path, tmp_path: Path) -> None:
    bad, warn, clean = (write(tmp_path, f"{n}.yml", t) for n, t in
                        (("bad", BAD), ("warn", WARN), ("clean", CLEAN)))  # fmt: skip
    assert hushflow("flow", "lint", str(clean), home=home).returncode == 0
    assert hushflow("flow", "lint", str(warn), home=home).returncode == 0
    result = hushflow("flow", "lint", str(bad), str(clean), home=home)
    assert result.returncode == 1
    assert f"{bad}:6:18: error[secret-in-log]:" in result.stdout
    assert "\n" + " " * 4 + " " * 17 + "^" in result.stdout
    assert hushflow("flow", "lint", "--format", "sarif", str(bad), home=home).returncode == 0
    assert hushflow("flow", "lint", "--format", "github", str(bad), home=home).returncode == 1


def test_invalid_yaml_is_a_positioned_error_with_exit_2(home: Path, tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.yml", "id: x\nnamespace: a\ntasks:\n  - id: [\n")
    result = hushflow("flow", "lint", str(broken), str(write(tmp_path, "b.yml", BAD)), home=home)
    assert result.returncode == 2
    assert f"{broken}:5:1: invalid YAML" in result.stderr
    assert "Traceback" not in result.stderr
    assert "error[secret-in-log]" in result.stdout  # the other file is still linted
    not_a_flow = write(tmp_path, "list.yml", "- a\n- b\n")
    result = hushflow("flow", "lint", str(not_a_flow), home=home)
    assert result.returncode == 2 and "must be a YAML map" in result.stderr


def test_min_severity_and_json(home: Path, tmp_path: Path) -> None:
    warn = write(tmp_path, "warn.yml", WARN)
    result = hushflow("flow", "lint", "--min-severity", "error", "--format", "json", str(warn),
                      home=home)  # fmt: skip
    doc = json.loads(result.stdout)
    assert doc["version"] == 1 and doc["findings"] == []
    doc = json.loads(hushflow("flow", "lint", "--format", "json", str(warn), home=home).stdout)
    assert [f["rule"] for f in doc["findings"]] == ["secret-in-condition"]
    assert doc["flows"] == [
        {"file": str(warn), "namespace": "company.team", "id": "warn", "errors": 0, "blocks": False}
    ]


def test_sarif_and_github(home: Path, tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yml", BAD)
    sarif = json.loads(hushflow("flow", "lint", "--format", "sarif", str(bad), home=home).stdout)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert "secret-in-log" in ids and "plaintext-credential" in ids
    result = run["results"][0]
    assert result["ruleId"] == "secret-in-log" and result["level"] == "error"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 6, "startColumn": 18}
    github = hushflow("flow", "lint", "--format", "github", str(bad), home=home).stdout
    assert github.startswith(f"::error file={bad},line=6,col=18,title=hushflow secret-in-log::")


def test_validate_shows_findings_and_deploy_blocks_when_the_namespace_says_so(
    home: Path, tmp_path: Path
) -> None:
    bad = write(tmp_path, "bad.yml", BAD)
    result = hushflow("flow", "validate", str(bad), home=home)
    assert result.returncode == 0, result.stderr
    assert "ok (company.team.bad" in result.stdout and "error[secret-in-log]" in result.stdout
    result = hushflow("flow", "deploy", str(bad), home=home)
    assert result.returncode == 0 and "created" in result.stdout
    assert "error[secret-in-log]" in result.stdout
    home.mkdir(exist_ok=True)
    (home / "hushflow.yml").write_text(
        "lint:\n  namespaces:\n    company:\n      block_on_error: true\n"
    )
    changed = write(tmp_path, "bad.yml", BAD.replace("message:", "description: v2\n    message:"))
    assert hushflow("flow", "validate", str(changed), home=home).returncode == 1
    result = hushflow("flow", "deploy", str(changed), home=home)
    assert result.returncode == 1 and "refused" in result.stderr
    clean = write(tmp_path, "clean.yml", CLEAN)
    assert hushflow("flow", "deploy", str(clean), home=home).returncode == 0
    engine = open_database(database_url({"HUSHFLOW_HOME": str(home)}))
    try:
        stored = FlowRepository(engine).get("company.team", "bad")
        assert stored.revision == 1 and "description: v2" not in stored.source
        assert FlowRepository(engine).get("company.team", "clean").revision == 1
    finally:
        engine.dispose()


def test_a_bad_setting_is_a_clear_error(home: Path, tmp_path: Path) -> None:
    home.mkdir()
    (home / "hushflow.yml").write_text("lint:\n  rules:\n    secret-in-logs: error\n")
    result = hushflow("flow", "lint", str(write(tmp_path, "c.yml", CLEAN)), home=home)
    assert result.returncode == 2
    assert "unknown lint rule 'secret-in-logs' (did you mean 'secret-in-log'?)" in result.stderr
    assert "Traceback" not in result.stderr
