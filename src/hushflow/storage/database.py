"""Where the database is and how to open it.

SQLite under ``$HUSHFLOW_HOME`` (WAL, foreign keys, a busy timeout) is the
default; ``HUSHFLOW_DATABASE_URL`` selects another, typically
``postgresql+psycopg://...``. The schema is created and upgraded with Alembic,
so an old database is migrated in place, never recreated.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from hushflow.errors import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def home(env: Mapping[str, str] | None = None) -> Path:
    """hushflow's own folder: ``$HUSHFLOW_HOME`` or ``~/.hushflow``."""
    env = os.environ if env is None else env
    raw = env.get("HUSHFLOW_HOME")
    return Path(raw).expanduser() if raw else Path.home() / ".hushflow"


def database_url(env: Mapping[str, str] | None = None) -> str:
    """The configured database URL, defaulting to SQLite in :func:`home`."""
    env = os.environ if env is None else env
    url = env.get("HUSHFLOW_DATABASE_URL")
    if url:
        return url
    folder = home(env)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'hushflow.db'}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    """An Engine for ``url`` (or the configured one), not yet migrated."""
    url = url or database_url()
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(url, pool_pre_ping=True)
    except Exception as exc:  # bad driver names, malformed URLs
        raise ConfigError(f"cannot open database URL: {type(exc).__name__}: {exc}") from None


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs our migrations on ``engine``."""
    from alembic.config import Config  # imported late: it is slow, and only migrations need it

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest migration's id (files are named ``NNNN_what.py``, ids ``NNNN``)."""
    return max(p.name[:4] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except SQLAlchemyError:
        return None
    return str(row[0]) if row else None


def migrate(engine: Engine) -> None:
    """Bring the schema of ``engine`` to the newest revision (a cheap no-op when it is)."""
    if current_revision(engine) == head_revision():
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def open_database(url: str | None = None) -> Engine:
    """Open and migrate: what every front door calls first."""
    engine = make_engine(url)
    migrate(engine)
    return engine
