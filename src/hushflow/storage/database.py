"""Where the database is and how to open it.

SQLite under ``$HUSHFLOW_HOME`` (WAL, foreign keys, a busy timeout) is the
default; ``HUSHFLOW_DATABASE_URL`` selects another, typically
``postgresql+psycopg://...``. The schema is created and upgraded with Alembic,
so an old database is migrated in place, never recreated.

``HUSHFLOW_HOME`` holds the master key file and the database: it is created
0700 and the SQLite file 0600, so no other user of the machine can read them.
The first start is safe under concurrency: migrations run under a lock (a file
lock beside a SQLite database, an advisory lock on PostgreSQL), and whoever
waited finds the schema ready.
"""

from __future__ import annotations

import fcntl
import os
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from hushflow.errors import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
#: Any PostgreSQL session migrating hushflow's schema holds this advisory lock.
PG_MIGRATION_LOCK = 0x6875_7368_666C  # "hushfl"


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
    folder = ensure_home(home(env))
    path = folder / "hushflow.db"
    _create_private(path)
    return f"sqlite:///{path}"


def ensure_home(folder: Path) -> Path:
    """Create ``folder`` 0700 when missing; a clear error when it cannot be."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create HUSHFLOW_HOME {folder}: {exc.strerror}; "
            "set HUSHFLOW_HOME to a folder you can write"
        ) from None
    return folder


def _create_private(path: Path) -> None:
    """Create an empty file 0600 unless it exists (SQLite then keeps its mode for WAL files)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return
    except OSError as exc:
        raise ConfigError(
            f"cannot create the database {path}: {exc.strerror}; "
            "set HUSHFLOW_HOME to a folder you can write"
        ) from None


def permission_warnings(env: Mapping[str, str] | None = None) -> list[str]:
    """What in HUSHFLOW_HOME other users of the machine could read or change."""
    folder = home(env)
    found = []
    for path in [folder, *sorted(folder.glob("*"))] if folder.is_dir() else []:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode) or not mode & (stat.S_IRWXG | stat.S_IRWXO):
            continue
        wanted = "0700" if path.is_dir() else "0600"
        found.append(
            f"{path} is readable by others (mode {stat.S_IMODE(mode):04o}); "
            f"run: chmod {wanted} {path}"
        )
    return found


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
    """Bring the schema of ``engine`` to the newest revision (a cheap no-op when it is).

    Several processes may start at once on a new database: each takes the
    migration lock, and looks again once it holds it.
    """
    head = head_revision()
    if current_revision(engine) == head:
        return
    from alembic import command

    with migration_lock(engine):
        if current_revision(engine) != head:
            command.upgrade(alembic_config(engine), "head")


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold the lock every migrating process takes, for this database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_MIGRATION_LOCK})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_MIGRATION_LOCK})
                conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    try:
        fd = os.open(f"{database}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(
            f"cannot write beside the database {database}: {exc.strerror}; "
            "hushflow needs a writable HUSHFLOW_HOME (or HUSHFLOW_DATABASE_URL)"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def open_database(url: str | None = None) -> Engine:
    """Open and migrate: what every front door calls first.

    A database that cannot be opened or written (a read-only folder, a full
    disk, a server that refuses) is a :class:`ConfigError` naming the cause.
    """
    engine = make_engine(url)
    try:
        migrate(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ConfigError(
            f"cannot open the database {engine.url.render_as_string(hide_password=True)}: {reason}"
        ) from None
    return engine
