"""Queries the API needs beyond the repositories: filtered, keyset-paginated searches.

Keyset pagination (``after`` = the last row's sort key) stays fast and stable
while executions are being created, where an offset would skip or repeat
rows. Namespace filters take a set of visible roots (from the caller's
grants) so a search never returns what the caller may not see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, false, func, insert, or_, select, true

from hushflow.errors import NotFound
from hushflow.models.execution import Execution, LogEntry
from hushflow.models.levels import passes
from hushflow.models.state import now
from hushflow.storage.repository import StoredFlow, _execution, _flow, _utc
from hushflow.storage.schema import executions, flows, logs


def under(column: Any, namespace: str) -> ColumnElement[bool]:
    """``column`` is ``namespace`` or one of its children (never a prefix sibling)."""
    escaped = namespace.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(column == namespace, column.like(f"{escaped}.%", escape="\\"))


def within(column: Any, roots: Sequence[str] | None) -> ColumnElement[bool]:
    """Under one of ``roots``; ``None`` means everywhere, ``[]`` nowhere."""
    if roots is None:
        return true()
    if not roots:
        return false()
    return or_(*(under(column, r) for r in roots))


# -- flows ----------------------------------------------------------------------


def flow_revisions(db: Engine, namespace: str, flow_id: str) -> list[StoredFlow]:
    """Every kept revision of a flow, oldest first (deletion markers left out)."""
    query = (
        select(flows)
        .where(and_(flows.c.namespace == namespace, flows.c.id == flow_id, flows.c.deleted == 0))
        .order_by(flows.c.revision)
    )
    with db.connect() as conn:
        return [_flow(r) for r in conn.execute(query)]


def delete_flow(db: Engine, namespace: str, flow_id: str) -> int:
    """Mark a flow deleted (a new revision that is a tombstone); its revisions stay."""
    with db.begin() as conn:
        row = conn.execute(
            select(flows)
            .where(and_(flows.c.namespace == namespace, flows.c.id == flow_id))
            .order_by(flows.c.revision.desc())
            .limit(1)
        ).first()
        if row is None or row.deleted:
            raise NotFound(f"flow '{namespace}.{flow_id}' not found")
        conn.execute(
            insert(flows).values(
                namespace=namespace,
                id=flow_id,
                revision=row.revision + 1,
                source=row.source,
                checksum=row.checksum,
                deleted=1,
                created=now(),
            )
        )
        return int(row.revision) + 1


def namespaces_of_flows(db: Engine) -> list[str]:
    """Namespaces that hold at least one flow revision."""
    with db.connect() as conn:
        return list(conn.execute(select(flows.c.namespace).distinct()).scalars())


# -- executions -----------------------------------------------------------------


@dataclass(frozen=True)
class ExecutionQuery:
    """Filters of an execution search (all optional)."""

    roots: Sequence[str] | None = None
    namespace: str | None = None
    flow_id: str | None = None
    states: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    labels: Sequence[tuple[str, str]] = ()


def _execution_filters(q: ExecutionQuery) -> list[ColumnElement[bool]]:
    c = executions.c
    where = [within(c.namespace, q.roots)]
    if q.namespace:
        where.append(under(c.namespace, q.namespace))
    if q.flow_id:
        where.append(c.flow_id == q.flow_id)
    if q.states:
        where.append(c.state.in_(list(q.states)))
    if q.start is not None:
        where.append(c.created >= q.start)
    if q.end is not None:
        where.append(c.created <= q.end)
    return where


def search_executions(
    db: Engine,
    q: ExecutionQuery,
    *,
    after: tuple[datetime, str] | None = None,
    limit: int = 25,
    offset: int = 0,
) -> tuple[list[Execution], int, tuple[datetime, str] | None]:
    """Newest first: (page, total matching, keyset cursor of the next page or None)."""
    c = executions.c
    where = _execution_filters(q)
    page = where.copy()
    if after is not None:
        created, last_id = after
        page.append(or_(c.created < created, and_(c.created == created, c.id < last_id)))
    query = select(executions).where(*page).order_by(c.created.desc(), c.id.desc())
    # Label filters run on the rows (JSON columns differ between databases).
    fetch = limit if not q.labels else None
    with db.connect() as conn:
        total = int(conn.execute(select(func.count()).where(*where)).scalar_one())
        rows = list(conn.execute(query.offset(offset).limit(fetch) if fetch else query))
    found = [_execution(r, []) for r in rows]
    if q.labels:
        found = [e for e in found if all(e.labels.get(k) == v for k, v in q.labels)]
        total = len(found) if after is None and offset == 0 else total
        found = found[offset : offset + limit] if after is None else found[:limit]
    more = len(found) == limit
    cursor = (_utc(found[-1].created), found[-1].id) if found and more else None
    return found, total, cursor


# -- logs -----------------------------------------------------------------------


@dataclass(frozen=True)
class LogQuery:
    """Filters of an execution's log lines."""

    execution_id: str
    task_id: str | None = None
    task_run_id: str | None = None
    attempt: int | None = None
    min_level: str | None = None


def logs_after(
    db: Engine, q: LogQuery, after_id: int = 0, limit: int = 1000
) -> tuple[list[tuple[int, LogEntry]], int]:
    """Log lines with an id above ``after_id``, oldest first, and the cursor after them.

    The cursor passes lines the level filter dropped, so a follower never reads them again.
    """
    c = logs.c
    where = [c.execution_id == q.execution_id, c.id > after_id]
    if q.task_id:
        where.append(c.task_id == q.task_id)
    if q.task_run_id:
        where.append(c.task_run_id == q.task_run_id)
    if q.attempt is not None:
        where.append(c.attempt == q.attempt)
    with db.connect() as conn:
        rows = conn.execute(select(logs).where(*where).order_by(c.id).limit(limit)).all()
    out = []
    for r in rows:
        if q.min_level and not passes(r.level, q.min_level):
            continue
        entry = LogEntry(
            execution_id=r.execution_id,
            task_run_id=r.task_run_id,
            task_id=r.task_id,
            attempt=r.attempt,
            level=r.level,
            message=r.message,
            timestamp=_utc(r.timestamp),
        )
        out.append((int(r.id), entry))
    return out, int(rows[-1].id) if rows else after_id


def namespaces_of_secrets(db: Engine) -> list[str]:
    """Namespaces that hold a secret in the embedded store."""
    from hushflow.storage.secret_tables import secrets

    with db.connect() as conn:
        return list(conn.execute(select(secrets.c.namespace).distinct()).scalars())


# -- audit ----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit log: who, what, where, which key, since when."""

    actor: str | None = None
    action: str | None = None
    namespace: str | None = None
    key: str | None = None
    execution_id: str | None = None
    since: datetime | None = None


def search_audit(
    db: Engine, q: AuditQuery, *, after: int | None = None, limit: int = 50
) -> tuple[list[Any], int | None]:
    """Audit rows newest first, and the id to pass as ``after`` for the next page (or None)."""
    from hushflow.storage.secret_tables import secret_audit

    a = secret_audit.c
    where: list[ColumnElement[bool]] = []
    if q.actor:
        where.append(a.actor == q.actor)
    if q.action:
        where.append(or_(a.action == q.action, a.action.like(f"{q.action}.%")))
    if q.namespace:
        where.append(under(a.namespace, q.namespace))
    if q.key:
        where.append(func.upper(a.key) == q.key.upper())
    if q.execution_id:
        where.append(a.execution_id == q.execution_id)
    if q.since is not None:
        where.append(a.at >= q.since)
    if after is not None:
        where.append(a.id < after)
    query = select(secret_audit).where(*where).order_by(a.id.desc()).limit(limit)
    with db.connect() as conn:
        rows = list(conn.execute(query))
    return rows, (int(rows[-1].id) if len(rows) == limit else None)


def namespaces_of_bindings(db: Engine) -> list[str]:
    """Namespaces some role is bound on."""
    from hushflow.storage.auth_tables import auth_bindings

    query = select(auth_bindings.c.namespace).where(auth_bindings.c.namespace.is_not(None))
    with db.connect() as conn:
        return [str(n) for n in conn.execute(query.distinct()).scalars()]
