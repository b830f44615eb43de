"""The SecretManager: inheritance, explicit namespaces, precedence, cache, audit."""

from __future__ import annotations

import base64
import logging
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from secret_helpers import fake_value
from sqlalchemy import Engine, select

from hushflow.errors import AccessDenied, SecretError, SecretNotFound
from hushflow.secrets import RunRef, SecretManager
from hushflow.secrets.audit import AuditLog
from hushflow.secrets.cache import Entry, ResolutionCache
from hushflow.secrets.embedded import EmbeddedStore
from hushflow.secrets.master_key import MasterKeySource
from hushflow.storage.secret_tables import secret_audit

RUN = RunRef(execution_id="exec-1", task_run_id="tr-1", flow_id="etl", namespace="company.team.etl")


@pytest.fixture
def mgr(engine: Engine, master_env: dict[str, str]) -> Iterator[SecretManager]:
    manager = SecretManager.from_env(engine, master_env)
    yield manager
    manager.close()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_nearest_namespace_wins(mgr: SecretManager) -> None:
    top, mid = fake_value(), fake_value()
    mgr.set("company", "DB_PASSWORD", top, actor="alice")
    assert mgr.resolve("company.team.etl", "DB_PASSWORD") == top
    mgr.set("company.team", "DB_PASSWORD", mid, actor="alice")
    assert mgr.resolve("company.team.etl", "db_password") == mid
    assert mgr.resolve("company", "DB_PASSWORD") == top


@pytest.mark.parametrize(
    "reader",
    ["company.other", "company.team", "company", "company.team.etlx"],
    ids=["sibling", "parent", "grandparent", "prefix-lookalike"],
)
def test_never_siblings_or_parents_of_the_holder(mgr: SecretManager, reader: str) -> None:
    mgr.set("company.team.etl", "ONLY_ETL", fake_value(), actor="alice")
    with pytest.raises(SecretNotFound) as err:
        mgr.resolve(reader, "ONLY_ETL")
    assert str(err.value) == "Cannot find secret for key 'ONLY_ETL'."


def test_children_inherit(mgr: SecretManager) -> None:
    value = fake_value()
    mgr.set("company.team.etl", "ONLY_ETL", value, actor="alice")
    assert mgr.resolve("company.team.etl.daily.eu", "ONLY_ETL") == value


def test_sibling_error_is_the_same_as_for_a_key_that_exists_nowhere(mgr: SecretManager) -> None:
    mgr.set("company.a", "K", fake_value(), actor="alice")
    with pytest.raises(SecretNotFound) as exists_elsewhere:
        mgr.resolve("company.b", "K")
    with pytest.raises(SecretNotFound) as exists_nowhere:
        mgr.resolve("company.b", "NOWHERE")
    assert str(exists_elsewhere.value) == str(exists_nowhere.value).replace("NOWHERE", "K")
    assert "company.a" not in str(exists_elsewhere.value)


def test_deleted_secret_lets_the_parent_show_through(mgr: SecretManager) -> None:
    parent, child = fake_value(), fake_value()
    mgr.set("company", "K", parent, actor="a")
    mgr.set("company.team", "K", child, actor="a")
    assert mgr.resolve("company.team", "K") == child
    mgr.delete("company.team", "K", actor="a")
    assert mgr.resolve("company.team", "K") == parent
    mgr.undelete("company.team", "K", actor="a")
    assert mgr.resolve("company.team", "K") == child


def test_explicit_namespace_in_the_chain_reads_exactly_that_namespace(mgr: SecretManager) -> None:
    top, mid = fake_value(), fake_value()
    mgr.set("company", "K", top, actor="a")
    mgr.set("company.team", "K", mid, actor="a")
    assert mgr.resolve("company.team.etl", "K", explicit_namespace="company") == top
    with pytest.raises(SecretNotFound):
        mgr.resolve("company.team.etl", "K", explicit_namespace="company.team.etl")


def test_explicit_namespace_outside_the_chain_needs_sharing(mgr: SecretManager) -> None:
    value = fake_value()
    mgr.set("company.shared", "K", value, actor="a")
    with pytest.raises(AccessDenied) as err:
        mgr.resolve("company.team", "K", explicit_namespace="company.shared")
    assert value not in str(err.value)
    mgr.share("company.shared", ["company.team"], actor="admin")
    assert mgr.resolve("company.team", "K", explicit_namespace="company.shared") == value
    with pytest.raises(AccessDenied):
        mgr.resolve("company.other", "K", explicit_namespace="company.shared")
    mgr.share("company.shared", ["*"], actor="admin")
    assert mgr.resolve("company.other", "K", explicit_namespace="company.shared") == value


def test_sharing_does_not_extend_to_the_shared_namespaces_parents(mgr: SecretManager) -> None:
    mgr.set("company", "TOP", fake_value(), actor="a")
    mgr.share("company.shared", ["other"], actor="admin")
    with pytest.raises(SecretNotFound):
        mgr.resolve("other", "TOP", explicit_namespace="company.shared")


def test_embedded_store_comes_before_the_environment(
    engine: Engine, master_env: dict[str, str]
) -> None:
    from_env, stored = fake_value(), fake_value()
    with SecretManager.from_env(engine, {**master_env, "SECRET_K": b64(from_env)}) as mgr:
        assert mgr.resolve("company", "K") == from_env
        mgr.set("company", "K", stored, actor="a")
        assert mgr.resolve("company.team", "K") == stored
        assert mgr.resolve("elsewhere", "K") == from_env


def test_subkey_through_resolve(mgr: SecretManager) -> None:
    mgr.set("company", "JSON", '{"user": "u", "port": 5432}', actor="a")
    assert mgr.resolve("company.team", "JSON", "port") == "5432"
    with pytest.raises(SecretError, match=r"Cannot find secret sub-key 'x' in secret 'JSON'\."):
        mgr.resolve("company.team", "JSON", "x")


def test_write_invalidates_the_cache(mgr: SecretManager) -> None:
    first, second = fake_value(), fake_value()
    mgr.set("company", "K", first, actor="a")
    assert mgr.resolve("company.team", "K") == first
    mgr.set("company.team", "K", second, actor="a")
    assert mgr.resolve("company.team", "K") == second
    mgr.destroy("company.team", "K", actor="a")
    assert mgr.resolve("company.team", "K") == first


def test_cache_entries_are_dropped_on_expiry() -> None:
    now = [100.0]
    cache = ResolutionCache(ttl=5, clock=lambda: now[0])
    entry = Entry(b"x", "embedded", "ns", "K", 1, None, cache.expiry())
    cache.put("K", ("ns", None), entry)
    assert cache.get("K", ("ns", None)) is entry
    now[0] += 5
    assert cache.get("K", ("ns", None)) is None
    assert len(cache) == 0


def test_cache_sweep_drops_only_expired_entries() -> None:
    now = [0.0]
    cache = ResolutionCache(ttl=5, clock=lambda: now[0])
    cache.put("A", ("ns", None), Entry(b"a", "e", "ns", "A", 1, None, cache.expiry()))
    now[0] = 3
    cache.put("B", ("ns", None), Entry(b"b", "e", "ns", "B", 1, None, cache.expiry()))
    now[0] = 6
    assert cache.sweep() == 1
    assert cache.get("B", ("ns", None)) is not None


def audit_rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [
            dict(r._mapping) for r in conn.execute(select(secret_audit).order_by(secret_audit.c.id))
        ]


def test_reads_by_a_run_are_audited_with_an_hmac_not_the_value(
    mgr: SecretManager, engine: Engine
) -> None:
    value = fake_value()
    mgr.set("company.team", "K", value, actor="alice")
    mgr.resolve("company.team.etl", "K", run=RUN)
    mgr.resolve("company.team.etl", "K", run=RUN)  # warm: still audited
    mgr.flush()
    reads = [r for r in audit_rows(engine) if r["action"] == "read"]
    assert len(reads) == 2
    read = reads[0]
    assert (read["execution_id"], read["task_run_id"], read["flow_id"]) == ("exec-1", "tr-1", "etl")
    assert (read["namespace"], read["source_namespace"], read["key"]) == (
        "company.team.etl",
        "company.team",
        "K",
    )
    assert read["version"] == 1 and read["backend"] == "embedded"
    setter = next(r for r in audit_rows(engine) if r["action"] == "set")
    assert setter["actor"] == "alice"
    assert read["value_hmac"] == reads[1]["value_hmac"] == setter["value_hmac"]
    assert all(value not in str(r) for r in audit_rows(engine))


def test_different_values_have_different_hmacs(mgr: SecretManager, engine: Engine) -> None:
    mgr.set("ns", "A", fake_value(), actor="a")
    mgr.set("ns", "B", fake_value(), actor="a")
    hmacs = {r["value_hmac"] for r in audit_rows(engine) if r["action"] == "set"}
    assert len(hmacs) == 2


def test_every_change_is_audited(mgr: SecretManager, engine: Engine) -> None:
    mgr.set("ns", "K", fake_value(), actor="alice")
    mgr.set("ns", "K", fake_value(), actor="alice")
    mgr.delete("ns", "K", actor="bob")
    mgr.undelete("ns", "K", actor="bob")
    mgr.destroy("ns", "K", [1], actor="carol")
    mgr.reveal("ns", "K", actor="dave")
    mgr.destroy("ns", "K", actor="erin")
    seen = [(r["action"], r["actor"], r["version"]) for r in audit_rows(engine)]
    assert seen == [
        ("set", "alice", 1),
        ("set", "alice", 2),
        ("delete", "bob", 2),
        ("undelete", "bob", 2),
        ("destroy", "carol", 1),
        ("reveal", "dave", 2),
        ("destroy-all", "erin", None),
    ]


def test_audit_events_filter(mgr: SecretManager) -> None:
    mgr.set("a", "K1", fake_value(), actor="x")
    mgr.set("b", "k2", fake_value(), actor="x")
    assert mgr.audit is not None
    assert [e.key for e in mgr.audit.events(namespace="a")] == ["K1"]
    assert [e.namespace for e in mgr.audit.events(key="K2")] == ["b"]


def test_list_inherited_shows_where_each_key_comes_from(mgr: SecretManager) -> None:
    mgr.set("company", "A", fake_value(), actor="x", description="top")
    mgr.set("company", "B", fake_value(), actor="x")
    mgr.set("company.team", "B", fake_value(), actor="x")
    mgr.set("company.other", "C", fake_value(), actor="x")
    own = mgr.list_keys("company.team")
    assert [(m.namespace, m.key) for m in own] == [("company.team", "B")]
    inherited = mgr.list_keys("company.team", inherited=True)
    assert [(m.namespace, m.key) for m in inherited] == [("company", "A"), ("company.team", "B")]
    assert inherited[0].description == "top"


def test_new_key_file_is_private_and_announced(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"HUSHFLOW_HOME": str(tmp_path / "fresh")}
    with (
        SecretManager.from_env(engine, env) as mgr,
        caplog.at_level(logging.WARNING, logger="hushflow.secrets"),
    ):
        mgr.set("ns", "K", fake_value(), actor="a")
    key_file = tmp_path / "fresh" / "master.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "BACK IT UP" in caplog.text


def test_value_size_limit(engine: Engine, master_env: dict[str, str], tmp_path: Path) -> None:
    home = Path(master_env["HUSHFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "hushflow.yml").write_text("secrets:\n  max_value_bytes: 16\n")
    with SecretManager.from_env(engine, master_env) as mgr:
        assert mgr.set("ns", "SMALL", "x" * 16, actor="a") == 1
        with pytest.raises(SecretError, match="over the limit of 16"):
            mgr.set("ns", "BIG", "x" * 17, actor="a")


def wait_for_rows(engine: Engine, count: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        rows = audit_rows(engine)
        if len(rows) >= count:
            return rows
        time.sleep(0.02)
    return audit_rows(engine)


def test_background_writer_flushes_reads_without_being_asked(
    engine: Engine, master_env: dict[str, str]
) -> None:
    keys = MasterKeySource(master_env)
    audit = AuditLog(engine, keys, max_delay=0.05)
    with SecretManager(embedded=EmbeddedStore(engine, keys), audit=audit) as mgr:
        mgr.set("ns", "K", fake_value(), actor="a")
        for _ in range(3):
            mgr.resolve("ns", "K", run=RUN)
        rows = wait_for_rows(engine, 4)
        assert [r["action"] for r in rows] == ["set", "read", "read", "read"]


def test_a_full_buffer_wakes_the_writer(engine: Engine, master_env: dict[str, str]) -> None:
    keys = MasterKeySource(master_env)
    audit = AuditLog(engine, keys, buffer_size=5, max_delay=3600)
    with SecretManager(embedded=EmbeddedStore(engine, keys), audit=audit) as mgr:
        mgr.set("ns", "K", fake_value(), actor="a")
        for _ in range(5):
            mgr.resolve("ns", "K", run=RUN)
        assert len(wait_for_rows(engine, 6)) == 6


def test_configuration_objects_hide_credentials(master_env: dict[str, str]) -> None:
    from hushflow.secrets.config import VaultConfig

    token, secret_id = fake_value(), fake_value()
    cfg = VaultConfig(url="http://127.0.0.1:1", token=token, role_id="r", secret_id=secret_id)
    assert token not in repr(cfg) and secret_id not in repr(cfg)
    source = MasterKeySource(master_env)
    ring = source.keyring()
    for shown in (repr(source), repr(ring)):
        assert master_env["HUSHFLOW_MASTER_KEY"] not in shown
