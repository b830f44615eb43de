"""``allowedNamespaces``/``allowedFlows`` on a key: enforced when a running flow calls ``secret()``.

Real flows through the engine on both databases, with secrets in the
embedded (encrypted) store. A refused read fails the task with a clear
message, is audited, and the value shows up nowhere.
"""

from __future__ import annotations

import base64
import os
import secrets
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine as Database

from hushflow.engine.runner import Engine
from hushflow.errors import SecretError
from hushflow.models import Execution, parse_flow
from hushflow.models.state import State
from hushflow.secrets import SecretManager
from hushflow.secrets.usage import UsageRule
from hushflow.storage.database import open_database


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = open_database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def manager(database: Database, tmp_path: Path) -> Iterator[SecretManager]:
    env = {
        "HUSHFLOW_HOME": str(tmp_path),
        "HUSHFLOW_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    with SecretManager.from_env(database, env) as mgr:
        mgr.cache.ttl = 0  # no cached resolutions: each run reads the rule it is given
        yield mgr


Run = Callable[[str, str], tuple[Execution, str]]


@pytest.fixture
def run(database: Database, manager: SecretManager) -> Iterator[Run]:
    """``run(namespace, flow_id) -> (execution, logs and stored execution as text)``."""
    engine = Engine(database, secrets=manager)

    def go(namespace: str, flow_id: str) -> tuple[Execution, str]:
        source = textwrap.dedent(f"""\
            id: {flow_id}
            namespace: {namespace}
            tasks:
              - id: use
                type: io.kestra.plugin.core.log.Log
                message: "db={{{{ secret('DB_PASSWORD') }}}}"
            """)
        flow = parse_flow(source)
        stored, _ = engine.flows.save(namespace, flow_id, source)
        ex = engine.submit(flow, {}, revision=stored.revision)
        done = engine.wait(ex.id, timeout=60)
        logs = "\n".join(e.message for e in engine.logs.for_execution(done.id))
        return done, logs + engine.executions.get(done.id).model_dump_json()

    yield go
    engine.close()


@pytest.fixture
def planted(manager: SecretManager) -> str:
    value = "pw-" + secrets.token_hex(16)
    manager.set("company", "DB_PASSWORD", value, actor="tester")
    return value


def _refusals(manager: SecretManager) -> list[tuple[str | None, str]]:
    assert manager.audit is not None
    return [
        (e.flow_id, e.namespace)
        for e in manager.audit.events(key="DB_PASSWORD")
        if e.action == "read-refused"
    ]


def test_allowed_namespaces_admit_their_subtree_only(
    manager: SecretManager, run: Run, planted: str
) -> None:
    manager.restrict(
        "company",
        "DB_PASSWORD",
        allowed_namespaces=["company.billing"],
        allowed_flows=None,
        actor="tester",
    )
    ok, text = run("company.billing.eu", "invoice")
    assert ok.state is State.SUCCESS and "db=****" in text and planted not in text

    for namespace in ("company.ops", "company.billingx", "company"):
        refused, text = run(namespace, "reader")
        assert refused.state is State.FAILED, namespace
        assert "may not be read by flow" in text and f"'{namespace}.reader'" in text
        assert "allowedNamespaces or allowedFlows" in text
        assert planted not in text
    assert sorted(_refusals(manager)) == [
        ("reader", "company"),
        ("reader", "company.billingx"),
        ("reader", "company.ops"),
    ]


def test_allowed_flows_admit_exactly_those_flows(
    manager: SecretManager, run: Run, planted: str
) -> None:
    manager.restrict(
        "company",
        "DB_PASSWORD",
        allowed_namespaces=None,
        allowed_flows=["company.ops.backup"],
        actor="tester",
    )
    assert run("company.ops", "backup")[0].state is State.SUCCESS
    refused, text = run("company.ops", "restore")
    assert refused.state is State.FAILED and planted not in text
    assert run("company.ops.sub", "backup")[0].state is State.FAILED
    assert _refusals(manager) == [("backup", "company.ops.sub"), ("restore", "company.ops")]


def test_either_list_admits_and_clearing_the_rule_lifts_it(
    manager: SecretManager, run: Run, planted: str
) -> None:
    manager.restrict(
        "company",
        "db_password",  # keys match in any case
        allowed_namespaces=["company.billing"],
        allowed_flows=["company.ops.backup"],
        actor="tester",
    )
    assert run("company.billing", "a")[0].state is State.SUCCESS
    assert run("company.ops", "backup")[0].state is State.SUCCESS
    assert run("company.ops", "other")[0].state is State.FAILED
    manager.restrict(
        "company", "DB_PASSWORD", allowed_namespaces=None, allowed_flows=None, actor="tester"
    )
    assert run("company.ops", "other")[0].state is State.SUCCESS


def test_a_nearer_definition_is_not_bound_by_the_parent_rule(
    manager: SecretManager, run: Run, planted: str
) -> None:
    manager.restrict(
        "company", "DB_PASSWORD", allowed_namespaces=[], allowed_flows=None, actor="tester"
    )
    assert run("company.ops", "x")[0].state is State.FAILED
    own = "own-" + secrets.token_hex(12)
    manager.set("company.ops", "DB_PASSWORD", own, actor="tester")
    done, text = run("company.ops", "x")
    assert done.state is State.SUCCESS and own not in text and planted not in text


def test_the_rule_shows_in_metadata_and_changes_are_audited(
    manager: SecretManager, planted: str
) -> None:
    rule = manager.restrict(
        "company",
        "DB_PASSWORD",
        allowed_namespaces=["company.b", "company.a", "company.a"],
        allowed_flows=["company.ops.backup"],
        actor="alice",
    )
    assert rule == UsageRule(("company.a", "company.b"), ("company.ops.backup",))
    meta = manager.describe("company", "DB_PASSWORD")
    assert meta is not None and meta.allowed_namespaces == ("company.a", "company.b")
    [listed] = manager.list_keys("company")
    assert listed.allowed_flows == ("company.ops.backup",)
    assert manager.audit is not None
    [change] = [e for e in manager.audit.events(key="DB_PASSWORD") if e.action == "restrict"]
    assert change.actor == "alice" and "allowedFlows=company.ops.backup" in (change.detail or "")


@pytest.mark.parametrize(
    ("namespaces", "flows", "message"),
    [
        (["bad..ns"], None, "Invalid namespace"),
        (None, ["noflow"], "must be 'namespace.flowId'"),
        (None, ["bad..ns.flow"], "Invalid namespace"),
    ],
    ids=["namespace", "flow-without-namespace", "flow-bad-namespace"],
)
def test_bad_entries_are_refused(
    manager: SecretManager, namespaces: list[str] | None, flows: list[str] | None, message: str
) -> None:
    with pytest.raises(SecretError, match=message):
        manager.restrict(
            "company", "K", allowed_namespaces=namespaces, allowed_flows=flows, actor="t"
        )


def test_rule_matching_is_by_namespace_tree_not_prefix() -> None:
    rule = UsageRule(("company.team",), ("company.ops.backup",))
    assert rule.allows("company.team", None) and rule.allows("company.team.etl", "f")
    assert not rule.allows("company.teamb", "f") and not rule.allows("company", "f")
    assert rule.allows("company.ops", "backup") and not rule.allows("company.ops", None)
    assert UsageRule().allows("anything", None)
    assert not UsageRule((), None).allows("company", "f")


def test_secret_restrict_command(db_url: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from hushflow.cli.secret_cmd import secret as secret_group

    env = {
        "HUSHFLOW_DATABASE_URL": db_url,
        "HUSHFLOW_HOME": str(tmp_path / "home"),
        "HUSHFLOW_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "HUSHFLOW_USER": "tester",
    }
    runner = CliRunner()

    def call(*args: str) -> str:
        result = runner.invoke(secret_group, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    assert "every flow" in call("restrict", "company", "K")
    out = call(
        "restrict", "company", "K", "--allow-namespace", "company.a", "--allow-flow", "company.b.f"
    )
    assert "allowedNamespaces: company.a" in out and "allowedFlows: company.b.f" in out
    assert "allowedFlows: company.b.f" in call("restrict", "company", "K")
    assert "every flow" in call("restrict", "company", "K", "--clear")
    bad = runner.invoke(secret_group, ["restrict", "company", "K", "--allow-flow", "x"], env=env)
    assert bad.exit_code != 0 and isinstance(bad.exception, SecretError)
