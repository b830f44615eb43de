"""The repository of execution owners: claim, release, and find what nobody runs any more."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, delete, insert, select

from hushflow.models.state import TERMINAL, now
from hushflow.procinfo import ProcessId
from hushflow.storage.owner_tables import execution_owners
from hushflow.storage.schema import executions


class ExecutionOwners:
    """Which process runs which execution; see :mod:`hushflow.storage.owner_tables`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(self, execution_id: str, who: ProcessId) -> None:
        """Record ``who`` as the process running ``execution_id`` (replacing any earlier owner)."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(execution_owners).where(execution_owners.c.execution_id == execution_id)
            )
            conn.execute(
                insert(execution_owners).values(
                    execution_id=execution_id,
                    host=who.host,
                    pid=who.pid,
                    started=who.started,
                    claimed=now(),
                )
            )

    def release(self, execution_ids: Iterable[str]) -> None:
        """Forget the owners of executions that ended."""
        ids = list(execution_ids)
        if not ids:
            return
        with self.engine.begin() as conn:
            conn.execute(delete(execution_owners).where(execution_owners.c.execution_id.in_(ids)))

    def owner(self, execution_id: str) -> ProcessId | None:
        """The process recorded as running ``execution_id``, if any."""
        query = select(execution_owners).where(execution_owners.c.execution_id == execution_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else ProcessId(row.host, row.pid, row.started)

    def abandoned(self) -> list[str]:
        """Executions not ended whose process is known to be gone (or was never recorded)."""
        query = (
            select(executions.c.id, execution_owners.c.host, execution_owners.c.pid,
                   execution_owners.c.started)
            .select_from(executions.outerjoin(
                execution_owners, execution_owners.c.execution_id == executions.c.id))
            .where(executions.c.state.not_in([s.value for s in TERMINAL]))
        )  # fmt: skip
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            row.id
            for row in rows
            if row.host is None or ProcessId(row.host, row.pid, row.started).gone()
        ]
