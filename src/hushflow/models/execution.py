"""Executions, task runs and log entries: what a run produces and stores.

Everything in these models has already been through the execution's masker
when it is stored (invariant 1): they never hold a secret in clear.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from hushflow.models.state import State, StateChange, now


def new_id() -> str:
    """A short, URL-safe, unique id (Kestra uses 22-character base62 ids)."""
    return uuid.uuid4().hex[:22]


class Record(BaseModel):
    """Base of stored records: camelCase JSON, mutable."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    def to_json(self) -> dict[str, Any]:
        """The JSON form used by the CLI and the API."""
        return self.model_dump(mode="json", by_alias=True)


class Stateful(Record):
    """A record with a state and its history (executions and task runs)."""

    state: State = State.CREATED
    state_history: list[StateChange] = Field(default_factory=list)
    created: datetime = Field(default_factory=now)

    def model_post_init(self, context: Any, /) -> None:
        if not self.state_history:
            self.state_history.append(StateChange(state=self.state, date=self.created))

    def set_state(self, state: State) -> None:
        """Move to ``state`` and record it."""
        self.state = state
        self.state_history.append(StateChange(state=state, date=now()))


class Attempt(Record):
    """One try of a task run."""

    state: State
    start_date: datetime = Field(default_factory=now)
    end_date: datetime | None = None


class TaskRun(Stateful):
    """One run of one task (for each iteration, inside a ForEach)."""

    id: str = Field(default_factory=new_id)
    execution_id: str
    task_id: str
    parent_task_run_id: str | None = None
    value: str | None = None
    iteration: int | None = None
    attempts: list[Attempt] = Field(default_factory=list)
    outputs: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    error: str | None = None

    @property
    def start_date(self) -> datetime:
        """When the run started (its first state)."""
        return self.state_history[0].date

    @property
    def end_date(self) -> datetime | None:
        """When it reached a terminal state, if it has."""
        return self.state_history[-1].date if self.state.terminal else None


class Execution(Stateful):
    """One run of a flow revision."""

    id: str = Field(default_factory=new_id)
    namespace: str
    flow_id: str
    flow_revision: int = 1
    inputs: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, Any] | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    task_runs: list[TaskRun] = Field(default_factory=list)
    parent_id: str | None = None
    trigger: dict[str, Any] | None = None
    #: SECRET inputs sealed with the master key (never shown; see engine.sealed_inputs).
    sealed_inputs: dict[str, Any] | None = Field(default=None, exclude=True, repr=False)
    #: Secret task outputs sealed with the master key, by task run id (engine.sealed_outputs).
    sealed_outputs: dict[str, Any] | None = Field(default=None, exclude=True, repr=False)
    error: str | None = None

    @property
    def ended(self) -> datetime | None:
        """When the execution reached a terminal state, if it has."""
        return self.state_history[-1].date if self.state.terminal else None

    def task_run(self, task_run_id: str) -> TaskRun:
        """The task run with this id."""
        for run in self.task_runs:
            if run.id == task_run_id:
                return run
        raise KeyError(task_run_id)


class LogEntry(Record):
    """One masked log line."""

    execution_id: str
    task_run_id: str | None = None
    task_id: str | None = None
    attempt: int | None = None
    level: str = "INFO"
    message: str
    timestamp: datetime = Field(default_factory=now)
