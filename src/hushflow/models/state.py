"""Execution and task-run states, with Kestra's names and meanings."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel


class State(StrEnum):
    """The life of an execution or a task run."""

    CREATED = "CREATED"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    RETRYING = "RETRYING"
    KILLING = "KILLING"
    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    FAILED = "FAILED"
    KILLED = "KILLED"
    CANCELLED = "CANCELLED"
    SKIPPED = "SKIPPED"
    RETRIED = "RETRIED"
    RESTARTED = "RESTARTED"

    @property
    def terminal(self) -> bool:
        """A state from which nothing moves on."""
        return self in TERMINAL

    @property
    def failed(self) -> bool:
        """A terminal state that counts as failure for what follows."""
        return self in (State.FAILED, State.KILLED)


TERMINAL = frozenset(
    {
        State.SUCCESS,
        State.WARNING,
        State.FAILED,
        State.KILLED,
        State.CANCELLED,
        State.SKIPPED,
        State.RETRIED,
    }
)

#: Order used to combine the states of children into the state of a parent.
SEVERITY = {
    State.SKIPPED: 0,
    State.SUCCESS: 1,
    State.WARNING: 2,
    State.CANCELLED: 3,
    State.FAILED: 4,
    State.KILLED: 5,
}


def worst(states: list[State]) -> State:
    """The combined outcome of terminal states: KILLED > FAILED > WARNING > SUCCESS."""
    if not states:
        return State.SUCCESS
    result = max(states, key=lambda s: SEVERITY.get(s, 1))
    return State.SUCCESS if result in (State.SKIPPED, State.RETRIED) else result


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class StateChange(BaseModel):
    """One entry of a state history."""

    state: State
    date: datetime
