"""The API in-process: a real database, a real engine and secret manager, httpx over ASGI.

Until the auth service is merged, tokens map to real :class:`Principal` objects
built from the managed roles (``TokenTable``); each test asks for a client
with the grants it needs.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine as Database

from hushflow.api.app import create_app
from hushflow.auth.permissions import MANAGED_ROLES, Grant, Principal
from hushflow.engine.runner import Engine
from hushflow.secrets import SecretManager
from hushflow.storage.database import open_database

BASE = "http://hushflow.test/api/v1/main"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class TokenTable:
    """An Authenticator over a dict: token -> Principal (sessions likewise)."""

    tokens: dict[str, Principal] = field(default_factory=dict)
    sessions: dict[str, Principal] = field(default_factory=dict)

    def principal_for_token(self, token: str) -> Principal | None:
        return self.tokens.get(token)

    def principal_for_session(self, session_id: str) -> Principal | None:
        return self.sessions.get(session_id)

    def issue(self, name: str, *grants: tuple[str, str | None]) -> str:
        """A new token for a principal holding ``(role, namespace)`` grants."""
        token = secrets.token_urlsafe(24)
        held = tuple(Grant(MANAGED_ROLES[role], ns) for role, ns in grants)
        self.tokens[token] = Principal(id=f"u-{name}", name=name, grants=held)
        return token


@dataclass
class Api:
    app: FastAPI
    auth: TokenTable
    engine: Engine
    database: Database
    secrets: SecretManager
    admin_token: str

    def client(self, token: str | None = None, base: str = BASE) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url=base, headers=headers, timeout=60)

    def as_role(self, role: str, namespace: str | None) -> httpx.AsyncClient:
        return self.client(self.auth.issue(f"{role}-{namespace}", (role, namespace)))


@pytest.fixture
def api_env(tmp_path: Path) -> dict[str, str]:
    return {"HUSHFLOW_HOME": str(tmp_path)}


def build_api(db_url: str, env: dict[str, str]) -> Api:
    """The app over a fresh engine and secret manager; the token table has an instance admin."""
    database = open_database(db_url)
    manager = SecretManager.from_env(database, env)
    engine = Engine(database, secrets=manager, workers=4)
    auth = TokenTable()
    admin = auth.issue("admin", ("admin", None))
    app = create_app(database, authenticator=auth, engine=engine, secrets=manager)
    return Api(app, auth, engine, database, manager, admin)


@pytest.fixture
def api(db_url: str, api_env: dict[str, str]) -> Iterator[Api]:
    """The API on each backend (SQLite, then PostgreSQL); closed before its database goes."""
    built = build_api(db_url, api_env)
    yield built
    built.engine.close()
    built.database.dispose()


@pytest.fixture
async def admin(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    async with api.client(api.admin_token) as client:
        yield client


@pytest.fixture
def served(api: Api) -> Iterator[str]:
    """The in-process app served by uvicorn on a free loopback port (base URL)."""
    config = uvicorn.Config(api.app, host="127.0.0.1", port=0, lifespan="off", log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)
