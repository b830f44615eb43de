"""Repositories: flows (with revisions), executions with their task runs, logs.

One class per aggregate over SQLAlchemy Core, the same code on SQLite and
PostgreSQL. What they store has been masked already (invariant 1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Engine,
    String,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    type_coerce,
    update,
)

from hushflow.errors import NotFound
from hushflow.models.execution import Execution, LogEntry, TaskRun
from hushflow.models.levels import passes
from hushflow.models.state import StateChange, now
from hushflow.storage.schema import executions, flows, logs, task_runs


@dataclass(frozen=True)
class StoredFlow:
    """One revision of a flow's source."""

    namespace: str
    id: str
    revision: int
    source: str
    created: datetime


class FlowRepository:
    """Flow sources by (namespace, id), a new revision only when the source changes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, namespace: str, flow_id: str, source: str) -> tuple[StoredFlow, str]:
        """Store ``source``; returns the revision and 'created', 'updated' or 'unchanged'."""
        checksum = hashlib.sha256(source.encode()).hexdigest()
        with self.engine.begin() as conn:
            row = conn.execute(
                select(flows)
                .where(and_(flows.c.namespace == namespace, flows.c.id == flow_id))
                .order_by(flows.c.revision.desc())
                .limit(1)
            ).first()
            if row is not None and row.checksum == checksum and not row.deleted:
                return _flow(row), "unchanged"
            revision = 1 if row is None else row.revision + 1
            conn.execute(
                insert(flows).values(
                    namespace=namespace,
                    id=flow_id,
                    revision=revision,
                    source=source,
                    checksum=checksum,
                    deleted=0,
                    created=now(),
                )
            )
        stored = self.get(namespace, flow_id, revision)
        return stored, "created" if row is None or row.deleted else "updated"

    def get(self, namespace: str, flow_id: str, revision: int | None = None) -> StoredFlow:
        """The newest (or the given) revision; ``NotFound`` if there is none."""
        query = select(flows).where(and_(flows.c.namespace == namespace, flows.c.id == flow_id))
        if revision is not None:
            query = query.where(flows.c.revision == revision)
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(flows.c.revision.desc()).limit(1)).first()
        if row is None or (revision is None and row.deleted):
            raise NotFound(f"flow '{namespace}.{flow_id}' not found; deploy it first")
        return _flow(row)

    def list(self, namespace: str | None = None) -> list[StoredFlow]:
        """The newest revision of every flow (under ``namespace`` when given)."""
        newest = (
            select(flows.c.namespace, flows.c.id, func.max(flows.c.revision).label("rev"))
            .group_by(flows.c.namespace, flows.c.id)
            .subquery()
        )
        query = select(flows).join(
            newest,
            and_(
                flows.c.namespace == newest.c.namespace,
                flows.c.id == newest.c.id,
                flows.c.revision == newest.c.rev,
            ),
        )
        if namespace:
            query = query.where(
                (flows.c.namespace == namespace) | flows.c.namespace.like(f"{namespace}.%")
            )
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(flows.c.namespace, flows.c.id)).all()
        return [_flow(r) for r in rows if not r.deleted]


def _utc(when: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _flow(row: Any) -> StoredFlow:
    return StoredFlow(row.namespace, row.id, row.revision, row.source, _utc(row.created))


def _history(items: list[StateChange]) -> list[dict[str, Any]]:
    return [{"state": h.state.value, "date": h.date.isoformat()} for h in items]


class ExecutionRepository:
    """Executions and their task runs, saved whole or task run by task run."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _execution_row(self, ex: Execution) -> dict[str, Any]:
        return {
            "namespace": ex.namespace,
            "flow_id": ex.flow_id,
            "flow_revision": ex.flow_revision,
            "state": ex.state.value,
            "state_history": _history(ex.state_history),
            "inputs": ex.inputs,
            "outputs": ex.outputs,
            "labels": ex.labels,
            "parent_id": ex.parent_id,
            "variables": {
                "trigger": ex.trigger,
                "sealedInputs": ex.sealed_inputs,
                "sealedOutputs": ex.sealed_outputs,
            },
            "error": ex.error,
            "created": ex.created,
            "ended": ex.ended,
        }

    def _task_run_row(self, run: TaskRun, position: int) -> dict[str, Any]:
        return {
            "execution_id": run.execution_id,
            "task_id": run.task_id,
            "parent_task_run_id": run.parent_task_run_id,
            "value": run.value,
            "iteration": run.iteration,
            "position": position,
            "state": run.state.value,
            "state_history": _history(run.state_history),
            "attempts": [a.to_json() for a in run.attempts],
            "outputs": run.outputs,
            "plan": run.plan,
            "error": run.error,
            "created": run.created,
            "ended": run.end_date,
        }

    def create(self, ex: Execution) -> None:
        """Insert a new execution (and any task runs it already has)."""
        with self.engine.begin() as conn:
            conn.execute(insert(executions).values(id=ex.id, **self._execution_row(ex)))
            for pos, run in enumerate(ex.task_runs):
                conn.execute(insert(task_runs).values(id=run.id, **self._task_run_row(run, pos)))

    def save(self, ex: Execution, changed: Iterable[TaskRun] = ()) -> None:
        """Update the execution row and upsert the given task runs."""
        positions = {r.id: i for i, r in enumerate(ex.task_runs)}
        with self.engine.begin() as conn:
            conn.execute(
                update(executions).where(executions.c.id == ex.id).values(**self._execution_row(ex))
            )
            for run in changed:
                row = self._task_run_row(run, positions.get(run.id, 0))
                done = conn.execute(
                    update(task_runs).where(task_runs.c.id == run.id).values(**row)
                ).rowcount
                if not done:
                    conn.execute(insert(task_runs).values(id=run.id, **row))

    def save_many(
        self,
        changes: Sequence[tuple[Execution, Sequence[TaskRun]]],
        entries: Sequence[LogEntry] = (),
        *,
        stored: set[str] | None = None,
    ) -> None:
        """Save several executions' changes and log lines in one transaction (the engine's path).

        ``stored`` is the caller's set of task-run ids already in the database:
        with it, new runs are inserted and known ones updated without asking the
        database first, and the set is kept up to date.
        """
        ex_rows, run_rows = [], []
        for ex, changed in changes:
            ex_rows.append({"b_id": ex.id, **self._execution_row(ex)})
            positions = {r.id: i for i, r in enumerate(ex.task_runs)} if changed else {}
            for run in changed:
                run_rows.append(
                    {"b_id": run.id, **self._task_run_row(run, positions.get(run.id, 0))}
                )
        with self.engine.begin() as conn:
            if ex_rows:
                conn.execute(_UPDATE_EXECUTION, ex_rows)
            if run_rows:
                ids = [r["b_id"] for r in run_rows]
                if stored is None:
                    query = select(task_runs.c.id).where(task_runs.c.id.in_(ids))
                    known = set(conn.execute(query).scalars())
                else:
                    known = stored
                updates = [r for r in run_rows if r["b_id"] in known]
                inserts = [{**r, "id": r["b_id"]} for r in run_rows if r["b_id"] not in known]
                if updates:
                    conn.execute(_UPDATE_TASK_RUN, updates)
                if inserts:
                    conn.execute(insert(task_runs), [_without(r, "b_id") for r in inserts])
            if entries:
                conn.execute(insert(logs), [_log_row(e) for e in entries])
        if stored is not None:  # only once the transaction is committed
            stored.update(r["b_id"] for r in run_rows)

    def get(self, execution_id: str) -> Execution:
        """An execution with its task runs in creation order; ``NotFound`` otherwise."""
        with self.engine.connect() as conn:
            row = conn.execute(select(executions).where(executions.c.id == execution_id)).first()
            if row is None:
                raise NotFound(f"execution '{execution_id}' not found")
            runs = conn.execute(
                select(task_runs)
                .where(task_runs.c.execution_id == execution_id)
                .order_by(task_runs.c.position)
            ).all()
        return _execution(row, runs)

    def list(
        self, namespace: str | None = None, flow_id: str | None = None, limit: int = 50
    ) -> list[Execution]:
        """Newest first, without task runs."""
        query = select(executions)
        if namespace:
            query = query.where(
                (executions.c.namespace == namespace)
                | executions.c.namespace.like(f"{namespace}.%")
            )
        if flow_id:
            query = query.where(executions.c.flow_id == flow_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(executions.c.created.desc()).limit(limit)).all()
        return [_execution(r, []) for r in rows]

    def delete_task_runs(self, ids: Iterable[str]) -> None:
        """Remove task runs (a restart runs them again)."""
        ids = list(ids)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(delete(task_runs).where(task_runs.c.id.in_(ids)))

    def delete(self, execution_id: str) -> None:
        """Remove an execution, its task runs and its logs."""
        with self.engine.begin() as conn:
            conn.execute(delete(logs).where(logs.c.execution_id == execution_id))
            conn.execute(delete(task_runs).where(task_runs.c.execution_id == execution_id))
            conn.execute(delete(executions).where(executions.c.id == execution_id))


_UPDATE_EXECUTION = (
    update(executions)
    .where(executions.c.id == bindparam("b_id"))
    .values({c.name: bindparam(c.name) for c in executions.c if c.name != "id"})
)
_UPDATE_TASK_RUN = (
    update(task_runs)
    .where(task_runs.c.id == bindparam("b_id"))
    .values({c.name: bindparam(c.name) for c in task_runs.c if c.name != "id"})
)


def _without(row: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != key}


def _log_row(e: LogEntry) -> dict[str, Any]:
    return {
        "execution_id": e.execution_id,
        "task_run_id": e.task_run_id,
        "task_id": e.task_id,
        "attempt": e.attempt,
        "level": e.level,
        "message": e.message,
        "timestamp": e.timestamp,
    }


def _execution(row: Any, runs: Sequence[Any]) -> Execution:
    return Execution.model_validate(
        {
            "id": row.id,
            "namespace": row.namespace,
            "flow_id": row.flow_id,
            "flow_revision": row.flow_revision,
            "state": row.state,
            "state_history": row.state_history,
            "inputs": row.inputs,
            "outputs": row.outputs,
            "labels": row.labels,
            "parent_id": row.parent_id,
            "trigger": (row.variables or {}).get("trigger"),
            "sealed_inputs": (row.variables or {}).get("sealedInputs"),
            "sealed_outputs": (row.variables or {}).get("sealedOutputs"),
            "error": row.error,
            "created": _utc(row.created),
            "task_runs": [_task_run(r) for r in runs],
        }
    )


def _task_run(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "execution_id": row.execution_id,
        "task_id": row.task_id,
        "parent_task_run_id": row.parent_task_run_id,
        "value": row.value,
        "iteration": row.iteration,
        "state": row.state,
        "state_history": row.state_history,
        "attempts": row.attempts,
        "outputs": row.outputs,
        "plan": row.plan,
        "error": row.error,
        "created": _utc(row.created),
    }


class LogRepository:
    """Masked log lines, in the order they were written."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, entries: Iterable[LogEntry]) -> None:
        """Append entries (already masked)."""
        rows = [_log_row(e) for e in entries]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(insert(logs), rows)

    def for_execution(self, execution_id: str, min_level: str | None = None) -> list[LogEntry]:
        """Every log line of an execution, oldest first."""
        return list(self.stream(execution_id, min_level))

    def stream(
        self, execution_id: str, min_level: str | None = None, batch: int = 2000
    ) -> Iterator[LogEntry]:
        """The log lines of an execution, oldest first, read ``batch`` rows at a time.

        Memory stays bounded whatever the size of the log: each batch is a
        keyset query (``id > last``) on its own short connection.
        """
        last = 0
        when_column: Any = logs.c.timestamp
        if self.engine.dialect.name == "sqlite":  # its DateTime parser is a regex per row
            when_column = type_coerce(logs.c.timestamp, String)
        columns = (logs.c.id, logs.c.task_run_id, logs.c.task_id, logs.c.attempt, logs.c.level,
                   logs.c.message, when_column)  # fmt: skip
        while True:
            query = (
                select(*columns)
                .where(logs.c.execution_id == execution_id, logs.c.id > last)
                .order_by(logs.c.id)
                .limit(batch)
            )
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
            for _, run_id, task_id, attempt, level, message, when in rows:
                if min_level and not passes(level, min_level):
                    continue
                yield LogEntry(
                    execution_id=execution_id,
                    task_run_id=run_id,
                    task_id=task_id,
                    attempt=attempt,
                    level=level,
                    message=message,
                    timestamp=_utc(datetime.fromisoformat(when) if isinstance(when, str) else when),
                )
            if len(rows) < batch:
                return
            last = rows[-1][0]
