"""Ending what a dead hushflow process left RUNNING.

Each process records itself as the owner of the executions it runs
(:class:`~hushflow.storage.owners.ExecutionOwners`). When that process is gone
(``kill -9``, a power cut), nobody will ever finish its executions, so any
hushflow process on the same machine ends them: the execution and its
unfinished task runs become KILLED, with a log line that says why. This is the
documented policy for one machine; across machines, leases and a sweeper take
over (the scale-out work), because a pid on another host cannot be checked.
"""

from __future__ import annotations

from sqlalchemy import Engine as Database

from hushflow.models.execution import Execution, LogEntry
from hushflow.models.state import State
from hushflow.procinfo import ProcessId
from hushflow.storage.owners import ExecutionOwners
from hushflow.storage.repository import ExecutionRepository, LogRepository


def reason_for(owner: ProcessId | None) -> str:
    """The log line (and task-run error) that says why an execution was ended."""
    if owner is None:
        return "no running hushflow process holds this execution; marked KILLED"
    return (
        f"the hushflow process that ran this execution (pid {owner.pid} on {owner.host}) "
        "is gone; marked KILLED"
    )


def end_abandoned(database: Database, execution_id: str) -> Execution | None:
    """End one abandoned execution as KILLED; None when it had ended already."""
    owners = ExecutionOwners(database)
    repo = ExecutionRepository(database)
    execution = repo.get(execution_id)
    if execution.state.terminal:
        owners.release([execution_id])
        return None
    why = reason_for(owners.owner(execution_id))
    changed = [run for run in execution.task_runs if not run.state.terminal]
    for run in changed:
        run.set_state(State.KILLED)
        run.error = run.error or why
    execution.set_state(State.KILLED)
    repo.save(execution, changed)
    LogRepository(database).add([LogEntry(execution_id=execution_id, level="WARN", message=why)])
    owners.release([execution_id])
    return execution


def recover_abandoned(database: Database) -> list[str]:
    """End every execution whose process is known to be gone; return their ids."""
    ended = []
    for execution_id in ExecutionOwners(database).abandoned():
        if end_abandoned(database, execution_id) is not None:
            ended.append(execution_id)
    return ended


def is_abandoned(database: Database, execution_id: str) -> bool:
    """Whether no live process holds this (unfinished) execution."""
    owner = ExecutionOwners(database).owner(execution_id)
    return owner is None or owner.gone()
