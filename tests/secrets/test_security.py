"""Security acceptance: no plaintext at rest, row binding, wrong keys, interrupted rotation."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

import pytest
from secret_helpers import fake_value
from sqlalchemy import Engine, select, update

from hushflow.errors import MasterKeyError, SecretError
from hushflow.secrets import SecretManager
from hushflow.secrets.crypto import Keyring, Sealed, key_id
from hushflow.secrets.embedded import EmbeddedStore
from hushflow.secrets.master_key import MasterKeySource, file_keys
from hushflow.secrets.rotation import RESEALERS, register_resealer, rotate_key
from hushflow.storage.database import open_database
from hushflow.storage.secret_tables import secret_sealed_settings, secret_versions


def fill(mgr: SecretManager, count: int) -> dict[tuple[str, str], str]:
    values = {}
    for i in range(count):
        ns, key = f"company.team{i % 3}", f"KEY_{i}"
        values[(ns, key)] = fake_value() + "-" + "x" * (i * 7)
        mgr.set(ns, key, values[(ns, key)], actor="tester")
    return values


def assert_all_readable(mgr: SecretManager, values: dict[tuple[str, str], str]) -> None:
    for (ns, key), value in values.items():
        assert mgr.reveal(ns, key, actor="tester").reveal() == value


def test_raw_sqlite_file_holds_no_plaintext(sqlite_url: str, master_env: dict[str, str]) -> None:
    engine = open_database(sqlite_url)
    with SecretManager.from_env(engine, master_env) as mgr:
        values = fill(mgr, 12)
        for (ns, key), _ in values.items():
            mgr.resolve(ns, key)
    engine.dispose()
    db = Path(sqlite_url.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    assert b"KEY_11" in raw  # the file is really the store
    for value in values.values():
        assert value.encode() not in raw
        assert value[:12].encode() not in raw


@pytest.mark.postgres
def test_postgres_dump_holds_no_plaintext(pg_url: str, master_env: dict[str, str]) -> None:
    engine = open_database(pg_url)
    with SecretManager.from_env(engine, master_env) as mgr:
        values = fill(mgr, 12)
        for (ns, key), _ in values.items():
            mgr.resolve(ns, key)
    engine.dispose()
    schema = pg_url.rsplit("search_path%3D", 1)[1]
    base = pg_url.split("?")[0].replace("postgresql+psycopg://", "postgresql://")
    dump = subprocess.run(
        ["pg_dump", "--schema", schema, "--data-only", base],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    assert b"KEY_11" in dump
    for value in values.values():
        assert value.encode() not in dump


def test_swapped_ciphertexts_fail_to_decrypt(engine: Engine, master_env: dict[str, str]) -> None:
    with SecretManager.from_env(engine, master_env) as mgr:
        a, b = fake_value(), fake_value()
        mgr.set("ns", "A", a, actor="t")
        mgr.set("ns", "B", b, actor="t")
        v = secret_versions.c
        with engine.begin() as conn:
            rows = {
                r.key_folded: r
                for r in conn.execute(select(v.key_folded, v.nonce, v.ciphertext, v.key_id))
            }
            for mine, theirs in (("A", "B"), ("B", "A")):
                conn.execute(
                    update(secret_versions)
                    .where(v.key_folded == mine)
                    .values(nonce=rows[theirs].nonce, ciphertext=rows[theirs].ciphertext)
                )
        for key in ("A", "B"):
            with pytest.raises(SecretError, match="failed to decrypt") as err:
                mgr.resolve("ns", key)
            assert a not in str(err.value) and b not in str(err.value)


def test_ciphertext_copied_to_another_version_fails(
    engine: Engine, master_env: dict[str, str]
) -> None:
    store = EmbeddedStore(engine, MasterKeySource(master_env))
    store.write("ns", "K", fake_value(), actor="t")
    store.write("ns", "K", fake_value(), actor="t")
    v = secret_versions.c
    with engine.begin() as conn:
        first = conn.execute(select(v.nonce, v.ciphertext).where(v.version == 1)).one()
        conn.execute(
            update(secret_versions)
            .where(v.version == 2)
            .values(nonce=first.nonce, ciphertext=first.ciphertext)
        )
    with pytest.raises(SecretError, match="failed to decrypt"):
        store.read("ns", "K")


def test_wrong_master_key_is_one_clear_error_and_loses_nothing(
    engine: Engine, master_env: dict[str, str]
) -> None:
    with SecretManager.from_env(engine, master_env) as mgr:
        values = fill(mgr, 4)
    wrong = {**master_env, "HUSHFLOW_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    with SecretManager.from_env(engine, wrong) as bad:
        for ns, key in values:
            with pytest.raises(MasterKeyError, match="not configured"):
                bad.resolve(ns, key)
        with pytest.raises(MasterKeyError):
            bad.set("company.team0", "KEY_0", fake_value(), actor="t")
    with SecretManager.from_env(engine, master_env) as mgr:
        assert_all_readable(mgr, values)


@pytest.mark.parametrize(
    "bad_key",
    ["not base64!", base64.b64encode(b"short").decode()],
    ids=["not-base64", "wrong-length"],
)
def test_malformed_master_key_is_a_clear_error(
    engine: Engine, tmp_path: Path, bad_key: str
) -> None:
    env = {"HUSHFLOW_HOME": str(tmp_path), "HUSHFLOW_MASTER_KEY": bad_key}
    with SecretManager.from_env(engine, env) as mgr:
        with pytest.raises(MasterKeyError, match="HUSHFLOW_MASTER_KEY is not a base64") as err:
            mgr.set("ns", "K", fake_value(), actor="t")
        assert bad_key not in str(err.value)


def test_missing_key_with_a_filled_store_never_makes_a_new_key(
    engine: Engine, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    with SecretManager.from_env(engine, {"HUSHFLOW_HOME": str(home)}) as mgr:
        values = fill(mgr, 2)
    key_file = home / "master.key"
    saved = key_file.read_bytes()
    key_file.unlink()
    with SecretManager.from_env(engine, {"HUSHFLOW_HOME": str(home)}) as lost:
        with pytest.raises(MasterKeyError, match="no master key"):
            lost.resolve("company.team0", "KEY_0")
        with pytest.raises(MasterKeyError, match="no master key"):
            lost.set("ns", "NEW", fake_value(), actor="t")
    assert not key_file.exists()
    key_file.write_bytes(saved)
    with SecretManager.from_env(engine, {"HUSHFLOW_HOME": str(home)}) as mgr:
        assert_all_readable(mgr, values)


def sealing_ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        ids = set(conn.execute(select(secret_versions.c.key_id)).scalars())
        ids |= set(conn.execute(select(secret_sealed_settings.c.key_id)).scalars())
    return ids


def test_interrupted_rotation_resumes_and_loses_nothing(engine: Engine, tmp_path: Path) -> None:
    env = {"HUSHFLOW_HOME": str(tmp_path / "home")}
    with SecretManager.from_env(engine, env) as mgr:
        values = fill(mgr, 9)
    source = MasterKeySource(env)
    old_id = key_id(file_keys(source)[0])

    def stop(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rotate_key(engine, source, batch_size=4, on_batch=stop)
    keys_now = file_keys(source)
    assert len(keys_now) == 2 and key_id(keys_now[1]) == old_id
    new_id = key_id(keys_now[0])
    assert sealing_ids(engine) == {old_id, new_id}  # really half done
    with SecretManager.from_env(engine, env) as mgr:
        assert_all_readable(mgr, values)

    report = rotate_key(engine, MasterKeySource(env), batch_size=4)
    assert report.resumed and report.finished and report.primary_id == new_id
    assert [key_id(k) for k in file_keys(source)] == [new_id]
    assert sealing_ids(engine) == {new_id}
    with SecretManager.from_env(engine, env) as mgr:
        assert_all_readable(mgr, values)


def test_rotation_with_env_keys(engine: Engine, master_env: dict[str, str]) -> None:
    with SecretManager.from_env(engine, master_env) as mgr:
        values = fill(mgr, 3)
    new = base64.b64encode(os.urandom(32)).decode()
    rotated = {
        **master_env,
        "HUSHFLOW_MASTER_KEY": new,
        "HUSHFLOW_MASTER_KEY_PREVIOUS": master_env["HUSHFLOW_MASTER_KEY"],
    }
    with pytest.raises(MasterKeyError, match="refusing to rotate"):
        rotate_key(engine, MasterKeySource({**master_env, "HUSHFLOW_MASTER_KEY": new}))
    report = rotate_key(engine, MasterKeySource(rotated))
    assert report.finished and report.reencrypted == 4  # 3 versions + the audit HMAC key
    only_new = {**master_env, "HUSHFLOW_MASTER_KEY": new}
    with SecretManager.from_env(engine, only_new) as mgr:
        assert_all_readable(mgr, values)


class SealedItems:
    """Other sealed data outside the secret tables (as the engine's SECRET inputs are)."""

    def __init__(self) -> None:
        self.items: dict[str, Sealed] = {}

    def key_ids(self, engine: Engine) -> set[str]:
        return {s.key_id for s in self.items.values()}

    def reseal(self, engine: Engine, ring: Keyring, limit: int) -> int:
        old = [n for n, s in self.items.items() if s.key_id != ring.primary_id][:limit]
        for name in old:
            plain = ring.open(self.items[name], name.encode(), name)
            self.items[name] = ring.seal(plain, name.encode())
        return len(old)


def test_rotation_reseals_registered_data(engine: Engine, tmp_path: Path) -> None:
    env = {"HUSHFLOW_HOME": str(tmp_path / "home")}
    with SecretManager.from_env(engine, env) as mgr:
        values = fill(mgr, 2)
    source = MasterKeySource(env)
    extra = SealedItems()
    ring = source.keyring()
    plain = {f"item-{i}": fake_value().encode() for i in range(5)}
    for name, data in plain.items():
        extra.items[name] = ring.seal(data, name.encode())
    register_resealer(extra)
    try:
        report = rotate_key(engine, MasterKeySource(env), batch_size=2)
    finally:
        RESEALERS.remove(extra)
    assert report.finished and extra.key_ids(engine) == {report.primary_id}
    new_ring = MasterKeySource(env).keyring()
    assert new_ring.ids == {report.primary_id}
    for name, data in plain.items():
        assert new_ring.open(extra.items[name], name.encode(), name) == data
    with SecretManager.from_env(engine, env) as mgr:
        assert_all_readable(mgr, values)


def test_rotation_refuses_when_registered_data_has_an_unknown_key(
    engine: Engine, master_env: dict[str, str]
) -> None:
    extra = SealedItems()
    stranger = Keyring(os.urandom(32))
    extra.items["x"] = stranger.seal(b"data", b"x")
    register_resealer(extra)
    try:
        with pytest.raises(MasterKeyError, match="refusing to rotate"):
            rotate_key(engine, MasterKeySource(master_env))
    finally:
        RESEALERS.remove(extra)


def test_a_running_process_follows_a_rotation_done_elsewhere(
    engine: Engine, tmp_path: Path
) -> None:
    env = {"HUSHFLOW_HOME": str(tmp_path / "home")}
    with SecretManager.from_env(engine, env) as server:  # a long-running process
        server.set("ns", "BEFORE", fake_value(), actor="t")
        report = rotate_key(engine, MasterKeySource(env))  # `hushflow secret rotate-key`
        assert report.finished
        value = fake_value()
        server.set("ns", "AFTER", value, actor="t")  # sealed with the new key, not the dropped one
        assert sealing_ids(engine) == {report.primary_id}
    with SecretManager.from_env(engine, env) as fresh:
        assert fresh.reveal("ns", "AFTER", actor="t").reveal() == value
