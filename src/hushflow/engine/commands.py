"""Commands for running executions, through the database (kill from another process).

The CLI (or the API) writes a row; whichever engine holds the execution
takes it on its next poll. On PostgreSQL, ``FOR UPDATE SKIP LOCKED`` lets
several engines poll at once without taking the same row twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select

from hushflow.models.state import now
from hushflow.storage.schema import execution_commands

COMMANDS = ("kill", "resume")


@dataclass(frozen=True)
class Command:
    """One request for one execution."""

    id: int
    execution_id: str
    command: str


class CommandQueue:
    """Rows of ``execution_commands``: put by anyone, taken by the holding engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def request(self, execution_id: str, command: str) -> None:
        """Ask whichever engine holds ``execution_id`` to carry out ``command``."""
        if command not in COMMANDS:
            raise ValueError(f"unknown command {command!r}")
        with self.engine.begin() as conn:
            conn.execute(
                insert(execution_commands).values(
                    execution_id=execution_id, command=command, created=now()
                )
            )

    def take(self, execution_ids: Iterable[str]) -> list[Command]:
        """Remove and return the pending commands for these executions."""
        ids = list(execution_ids)
        query = select(execution_commands).where(execution_commands.c.execution_id.in_(ids))
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = conn.execute(query.order_by(execution_commands.c.id)).all()
            if rows:
                taken = [r.id for r in rows]
                conn.execute(delete(execution_commands).where(execution_commands.c.id.in_(taken)))
        return [Command(r.id, r.execution_id, r.command) for r in rows]
