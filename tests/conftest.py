"""Shared fixtures: real databases (a SQLite file and the PostgreSQL server).

``db_url`` is parametrised over both backends. Each PostgreSQL test gets its own
schema (dropped afterwards) through the connection's ``search_path``, so runs
and tests never collide. Set ``HUSHFLOW_TEST_PG`` to another server URL, or to
``off`` to skip the PostgreSQL half where no server runs.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings
from sqlalchemy import Engine

from hushflow.storage.database import open_database

# In CI, hypothesis replays the same examples every run (no flakes from a new
# random draw); locally it keeps exploring. Found failures are kept as tests.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

PG_BASE = os.environ.get("HUSHFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_available() -> bool:
    if PG_BASE == "off":
        return False
    try:
        with psycopg.connect(PG_BASE, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


PG_OK = _pg_available()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A SQLAlchemy URL into a fresh PostgreSQL schema, dropped afterwards."""
    if not PG_OK:
        pytest.skip(f"PostgreSQL not reachable at {PG_BASE}")
    schema = f"hf_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    base = PG_BASE.replace("postgresql://", "postgresql+psycopg://", 1)
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLAlchemy URL to a fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'hushflow.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Both real backends, one after the other."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated Engine on each backend."""
    eng = open_database(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never touch the user's ~/.hushflow or real SECRET_* variables in tests."""
    monkeypatch.setenv("HUSHFLOW_HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.delenv("HUSHFLOW_DATABASE_URL", raising=False)
    monkeypatch.delenv("HUSHFLOW_MASTER_KEY", raising=False)
    for key in list(os.environ):
        if key.startswith("SECRET_"):
            monkeypatch.delenv(key)
