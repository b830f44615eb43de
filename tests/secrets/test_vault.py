"""Vault/OpenBao specifics against a real dev server: stacking, AppRole, read-only, config."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import hvac
import pytest
from secret_helpers import Bao, fake_value, free_port
from sqlalchemy import Engine

from hushflow.errors import SecretError, SecretNotFound
from hushflow.secrets import Mount, RunRef, SecretManager
from hushflow.secrets.config import VaultConfig
from hushflow.secrets.embedded import EmbeddedStore
from hushflow.secrets.environment import EnvironmentStore
from hushflow.secrets.master_key import MasterKeySource
from hushflow.secrets.vault import VaultStore

pytestmark = pytest.mark.openbao


def root(bao: Bao) -> hvac.Client:
    return hvac.Client(url=bao.url, token=bao.token)


@pytest.fixture
def stacked(
    bao: Bao, engine: Engine, master_env: dict[str, str]
) -> Iterator[tuple[SecretManager, VaultStore, EmbeddedStore]]:
    vault = VaultStore.from_config(bao.config(namespaces=("company.payments",)))
    embedded = EmbeddedStore(engine, MasterKeySource(master_env))
    env = {"SECRET_SHARED": base64.b64encode(b"from-env").decode()}
    mgr = SecretManager(
        embedded=embedded,
        mounts=[Mount(vault, ("company.payments",))],
        environment=EnvironmentStore(env),
    )
    yield mgr, vault, embedded
    mgr.close()


def test_writes_in_the_subtree_go_to_openbao(
    stacked: tuple[SecretManager, VaultStore, EmbeddedStore],
) -> None:
    mgr, vault, embedded = stacked
    value, other = fake_value(), fake_value()
    assert mgr.set("company.payments", "STRIPE", value, actor="alice") == 1
    mgr.set("company.sales", "CRM", other, actor="alice")
    assert vault.read("company.payments", "STRIPE").reveal() == value  # type: ignore[union-attr]
    assert embedded.read("company.payments", "STRIPE") is None
    assert embedded.read("company.sales", "CRM").reveal() == other  # type: ignore[union-attr]
    assert mgr.resolve("company.payments.eu", "stripe") == value
    with pytest.raises(SecretNotFound):
        mgr.resolve("company.sales", "STRIPE")


def test_precedence_embedded_then_vault_then_environment(
    stacked: tuple[SecretManager, VaultStore, EmbeddedStore],
) -> None:
    mgr, vault, embedded = stacked
    assert mgr.resolve("company.payments", "SHARED") == "from-env"
    in_vault, in_embedded = fake_value(), fake_value()
    vault.write("company.payments", "SHARED", in_vault, actor="a")
    mgr.cache.clear()
    assert mgr.resolve("company.payments.eu", "SHARED") == in_vault
    embedded.write("company", "SHARED", in_embedded, actor="a")
    mgr.cache.clear()
    assert mgr.resolve("company.payments.eu", "SHARED") == in_embedded


def test_vault_mount_never_answers_outside_its_subtree(
    stacked: tuple[SecretManager, VaultStore, EmbeddedStore],
) -> None:
    mgr, vault, _ = stacked
    # a key stored in the folder of 'company' on the server is out of the mount's subtree
    vault.write("company", "OUTSIDE", fake_value(), actor="a")
    with pytest.raises(SecretNotFound, match="Cannot find secret for key 'OUTSIDE'"):
        mgr.resolve("company.payments", "OUTSIDE")


def test_reads_from_vault_are_audited_with_the_backend(
    bao: Bao, engine: Engine, master_env: dict[str, str]
) -> None:
    home = Path(master_env["HUSHFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    (home / "hushflow.yml").write_text(
        "secrets:\n  vault:\n"
        f"    - url: {bao.url}\n      token_env: TEST_BAO_TOKEN\n      path_prefix: {prefix}\n"
        "      namespaces: [company.payments]\n"
    )
    env = {**master_env, "TEST_BAO_TOKEN": bao.token}
    with SecretManager.from_env(engine, env) as mgr:
        mgr.set("company.payments", "K", fake_value(), actor="alice")
        run = RunRef("e1", "t1", "pay", "company.payments")
        mgr.resolve("company.payments", "K", run=run)
        assert mgr.audit is not None
        read = next(e for e in mgr.audit.events() if e.action == "read")
    assert read.backend == f"vault:secret/{prefix}" and read.version == 1
    assert read.execution_id == "e1"


def test_env_variables_configure_a_mount(bao: Bao, master_env: dict[str, str]) -> None:
    env = {
        **master_env,
        "HUSHFLOW_VAULT_ADDR": bao.url,
        "HUSHFLOW_VAULT_TOKEN": bao.token,
        "HUSHFLOW_VAULT_PATH_PREFIX": f"t-{uuid.uuid4().hex[:8]}",
    }
    mgr = SecretManager.from_env(None, env)
    value = fake_value()
    mgr.set("any.where", "K", value, actor="a")
    assert mgr.resolve("any.where.deeper", "K") == value
    assert bao.token not in repr(mgr) and bao.token not in repr(mgr.mounts)


def test_externally_written_multi_field_secret_is_json_for_subkeys(
    bao: Bao, master_env: dict[str, str]
) -> None:
    cfg = bao.config()
    root(bao).secrets.kv.v2.create_or_update_secret(
        path=f"{cfg.path_prefix}/company/db", secret={"user": "svc", "port": 5432}
    )
    mgr = SecretManager(mounts=[Mount(VaultStore.from_config(cfg))])
    assert json.loads(mgr.resolve("company", "db")) == {"user": "svc", "port": 5432}
    assert mgr.resolve("company", "DB", "port") == "5432"


def test_approle_login(bao: Bao) -> None:
    client = root(bao)
    if "approle/" not in client.sys.list_auth_methods()["data"]:
        client.sys.enable_auth_method("approle")
    cfg = bao.config()
    policy = 'path "secret/*" { capabilities = ["create","read","update","delete","list"] }'
    name = f"hf-{uuid.uuid4().hex[:8]}"
    client.sys.create_or_update_policy(name=name, policy=policy)
    client.auth.approle.create_or_update_approle(role_name=name, token_policies=[name])
    role_id = client.auth.approle.read_role_id(role_name=name)["data"]["role_id"]
    secret_id = client.auth.approle.generate_secret_id(role_name=name)["data"]["secret_id"]
    store = VaultStore.from_config(
        VaultConfig(url=bao.url, path_prefix=cfg.path_prefix, role_id=role_id, secret_id=secret_id)
    )
    value = fake_value()
    assert store.write("ns", "K", value, actor="robot") == 1
    assert store.read("ns", "K").reveal() == value  # type: ignore[union-attr]
    store.client.auth.token.revoke_self()  # as if the token expired: the store logs in again
    assert store.read("ns", "K").reveal() == value  # type: ignore[union-attr]


def test_bad_approle_credentials_are_a_clear_error(bao: Bao) -> None:
    with pytest.raises(SecretError, match="vault:secret"):
        VaultStore.from_config(VaultConfig(url=bao.url, role_id="nope", secret_id="nope"))


def test_read_only_mount_with_a_key_prefix(bao: Bao) -> None:
    cfg = bao.config()
    writer = VaultStore.from_config(cfg)
    shown, hidden = fake_value(), fake_value()
    writer.write("ns", "HF_VISIBLE", shown, actor="a")
    writer.write("ns", "PRIVATE", hidden, actor="a")
    reader = VaultStore.from_config(
        bao.config(path_prefix=cfg.path_prefix, read_only=True, key_prefix="HF_")
    )
    assert reader.read("ns", "hf_visible").reveal() == shown  # type: ignore[union-attr]
    assert reader.read("ns", "PRIVATE") is None
    assert [m.key for m in reader.list_keys("ns")] == ["HF_VISIBLE"]
    with pytest.raises(SecretError, match="read-only"):
        reader.write("ns", "HF_NEW", fake_value(), actor="a")
    with pytest.raises(SecretError, match="read-only"):
        reader.delete("ns", "HF_VISIBLE", actor="a")


def test_wrong_token_is_a_clear_error_without_the_token(bao: Bao) -> None:
    store = VaultStore.from_config(bao.config(token="not-a-real-token"))
    with pytest.raises(SecretError) as err:
        store.read("ns", "K")
    assert "not-a-real-token" not in str(err.value)


def test_unreachable_server_is_a_clear_error() -> None:
    store = VaultStore.from_config(
        VaultConfig(url=f"http://127.0.0.1:{free_port()}", token="t", timeout=2)
    )
    with pytest.raises(SecretError, match="cannot reach"):
        store.read("ns", "K")


def test_a_mount_for_every_namespace_takes_the_writes(
    bao: Bao, engine: Engine, master_env: dict[str, str]
) -> None:
    vault = VaultStore.from_config(bao.config())
    embedded = EmbeddedStore(engine, MasterKeySource(master_env))
    with SecretManager(embedded=embedded, mounts=[Mount(vault)]) as mgr:
        mgr.set("any.ns", "K", fake_value(), actor="a")
        assert vault.describe("any.ns", "K") is not None
        assert embedded.describe("any.ns", "K") is None


def test_read_only_mount_leaves_writes_to_the_embedded_store(
    bao: Bao, engine: Engine, master_env: dict[str, str]
) -> None:
    cfg = bao.config()
    external = fake_value()
    VaultStore.from_config(cfg).write("company.payments", "EXTERNAL", external, actor="ops")
    reader = VaultStore.from_config(bao.config(path_prefix=cfg.path_prefix, read_only=True))
    embedded = EmbeddedStore(engine, MasterKeySource(master_env))
    mounts = [Mount(reader, ("company.payments",))]
    with SecretManager(embedded=embedded, mounts=mounts) as mgr:
        mgr.set("company.payments", "LOCAL", fake_value(), actor="a")
        assert embedded.describe("company.payments", "LOCAL") is not None
        listed = {(m.key, m.backend) for m in mgr.list_keys("company.payments")}
        assert listed == {("EXTERNAL", reader.name), ("LOCAL", "embedded")}
        assert mgr.reveal("company.payments", "external", actor="a").reveal() == external
        with pytest.raises(SecretError, match="read-only"):
            mgr.delete("company.payments", "EXTERNAL", actor="a")
        mgr.delete("company.payments", "LOCAL", actor="a")
        flagged = {m.key: m.deleted for m in mgr.list_keys("company.payments")}
        assert flagged == {"EXTERNAL": False, "LOCAL": True}
        assert [m.key for m in mgr.list_keys("company.payments", inherited=True)] == ["EXTERNAL"]
