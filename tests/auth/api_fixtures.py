"""The API in-process over a real database with the real :class:`AuthService`."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import Engine as Database

from hushflow.api.app import create_app
from hushflow.auth.records import SubjectType
from hushflow.auth.service import AuthService
from hushflow.secrets import SecretManager
from hushflow.storage.database import open_database

#: Real argon2id with cheap parameters, so tests hash fast.
CHEAP = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
ORIGIN = "http://hushflow.test"
BASE = f"{ORIGIN}/api/v1/main"


@dataclass
class Iam:
    app: FastAPI
    auth: AuthService
    database: Database
    secrets: SecretManager
    admin_token: str

    def client(self, token: str | None = None, base: str = BASE) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url=base, headers=headers)

    def token_for(self, name: str, role: str | None = None, namespace: str | None = None) -> str:
        """A new user ``name`` holding ``role`` on ``namespace`` (if any), and a token of it."""
        self.auth.create_user(name)
        if role is not None:
            self.auth.bind(SubjectType.USER, name, role, namespace)
        return self.auth.create_token(SubjectType.USER, name, "t").value


def build(url: str, home: Path) -> Iam:
    database = open_database(url)
    auth = AuthService(database, hasher=CHEAP)
    manager = SecretManager.from_env(database, {"HUSHFLOW_HOME": str(home)})
    app = create_app(database, authenticator=auth, secrets=manager)
    root = "root-" + secrets.token_hex(4)
    auth.create_user(root)
    auth.bind(SubjectType.USER, root, "admin", None)
    token = auth.create_token(SubjectType.USER, root, "admin").value
    return Iam(app, auth, database, manager, token)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def iam(sqlite_url: str, tmp_path: Path) -> Iterator[Iam]:
    built = build(sqlite_url, tmp_path)
    yield built
    built.secrets.close()
    built.database.dispose()


@pytest.fixture
def iam_any_db(db_url: str, tmp_path: Path) -> Iterator[Iam]:
    built = build(db_url, tmp_path)
    yield built
    built.secrets.close()
    built.database.dispose()


@pytest.fixture
def served(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Iam, str]]:
    iam = build(sqlite_url, tmp_path)
    config = uvicorn.Config(
        iam.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    yield iam, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    iam.secrets.close()
    iam.database.dispose()
