"""root-namespace-secret and ``secret placement``: where keys live versus who reads them."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hushflow.lint import ManagerLocator, placements
from hushflow.secrets import SecretManager
from hushflow.storage.database import open_database
from tests.cli.test_flow_cmd import hushflow, write
from tests.engine.conftest import fake_secret
from tests.lint.helpers import findings, position_of

SOURCE = (
    "id: f\nnamespace: company.team.etl\ntasks:\n"
    "  - id: s\n    type: io.kestra.plugin.scripts.shell.Commands\n"
    "    env:\n      A: \"{{ secret('ROOT_KEY') }}\"\n      B: \"{{ secret('TEAM_KEY') }}\"\n"
    "      C: \"{{ secret('ENV_KEY') }}\"\n"
    "    commands: ['echo $A $B $C > /dev/null']\n"
)


@pytest.fixture
def manager(db_url: str, tmp_path: Path) -> Iterator[SecretManager]:
    env = {
        "HUSHFLOW_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "HUSHFLOW_HOME": str(tmp_path / "home"),
        "SECRET_ENV_KEY": base64.b64encode(fake_secret().encode()).decode(),
    }
    engine = open_database(db_url)
    mgr = SecretManager.from_env(engine, env)
    mgr.set("company", "ROOT_KEY", fake_secret(), actor="t")
    mgr.set("company", "UNUSED", fake_secret(), actor="t")
    mgr.set("company.team", "TEAM_KEY", fake_secret(), actor="t")
    yield mgr
    mgr.close()
    engine.dispose()


def test_keys_at_a_top_level_namespace_or_global_are_reported(manager: SecretManager) -> None:
    found = [f for f in findings(SOURCE, secrets=ManagerLocator(manager))]
    root = [(f.line, f.column) for f in found if f.rule == "root-namespace-secret"]
    assert root == [position_of(SOURCE, "secret('ROOT_KEY"), position_of(SOURCE, "secret('ENV")]
    assert all("TEAM_KEY" not in f.message for f in found)


def test_offline_the_rule_is_skipped() -> None:
    assert "root-namespace-secret" not in {f.rule for f in findings(SOURCE)}


def test_the_locator_never_reveals_a_value(manager: SecretManager) -> None:
    locator = ManagerLocator(manager)
    assert locator.resolved_namespace("company.team.etl", "root_key") == "company"
    assert locator.resolved_namespace("company.team.etl", "TEAM_KEY") == "company.team"
    assert locator.resolved_namespace("company.team.etl", "ENV_KEY") == ""
    assert locator.resolved_namespace("other", "TEAM_KEY") is None


def test_placements_suggest_the_lowest_common_namespace() -> None:
    defined = [("company", "A"), ("company", "B"), ("company.x", "C"), ("company.x", "A")]
    uses = [("company.x.one", "A"), ("company.y", "a"), ("company.x.two", "C"), ("company", "B")]
    found = {(p.namespace, p.key): (p.readers, p.suggested) for p in placements(defined, uses)}
    assert found == {
        ("company", "A"): (("company.y",), "company.y"),
        ("company.x", "A"): (("company.x.one",), "company.x.one"),
        ("company.x", "C"): (("company.x.two",), "company.x.two"),
    }
    assert placements([("a", "K")], [])[0].suggested is None


def test_secret_placement_command(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"HUSHFLOW_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    value = fake_secret()
    for namespace, key in (("company", "ROOT_KEY"), ("company.team", "TEAM_KEY")):
        full = {**os.environ, "HUSHFLOW_HOME": str(home), **env}
        subprocess.run(
            [sys.executable, "-m", "hushflow", "secret", "set", namespace, key],
            input=value, text=True, env=full, check=True, capture_output=True,
        )  # fmt: skip
    flows = tmp_path / "flows"
    flows.mkdir()
    write(flows, "a.yml", SOURCE)
    result = hushflow(
        "secret", "placement", "--flows", str(flows), "-o", "json", home=home, env=env
    )
    assert result.returncode == 0, result.stderr
    rows = {r["key"]: r for r in json.loads(result.stdout)}
    assert rows["ROOT_KEY"]["stored_at"] == "company"
    assert rows["ROOT_KEY"]["suggested"] == "company.team.etl"
    assert rows["TEAM_KEY"]["suggested"] == "company.team.etl"
    assert value not in result.stdout + result.stderr
    online = hushflow("flow", "lint", "--secrets", str(flows), home=home, env=env)
    assert "warning[root-namespace-secret]: secret 'ROOT_KEY'" in online.stdout
    assert "TEAM_KEY" not in online.stdout and value not in online.stdout + online.stderr
    offline = hushflow("flow", "lint", str(flows), home=home, env=env)
    assert offline.returncode == 0 and "root-namespace-secret" not in offline.stdout
