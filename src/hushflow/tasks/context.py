"""What a task sees of the engine: the ``RunContext`` protocol and result types.

A task never touches the secret store, the masker or the database: it renders
its properties, logs and reads variables through the context, and every string
it hands back goes through the execution's masker in the engine.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import Field

from hushflow.models.flow import TaskList
from hushflow.models.state import State
from hushflow.models.task import FlowableSpec, TaskSpec

if TYPE_CHECKING:
    from collections.abc import Mapping


def as_text(value: Any) -> str:
    """A rendered value as Kestra prints it: None is '', booleans lower-case, data compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


class TextStream(Protocol):
    """A masking stream: feed chunks, get back what is safe to emit."""

    def feed(self, chunk: str) -> str: ...

    def flush(self) -> str: ...


class RunContext(Protocol):
    """The engine's side of one task-run attempt."""

    task: TaskSpec
    task_run_id: str
    execution_id: str
    attempt: int
    cancelled: threading.Event

    def render(self, value: Any) -> Any:
        """Render every expression in ``value`` (typed where a string is one ``{{ }}``)."""
        ...

    def render_text(self, template: Any) -> str:
        """Render to text (None renders as '')."""
        ...

    def truthy(self, value: Any) -> bool:
        """Kestra's truthiness of a rendered condition."""
        ...

    def log(self, level: str, message: str) -> None:
        """Log a line for this task run; masked before it is stored."""
        ...

    def mask(self, text: str) -> str:
        """The masked form of ``text`` (for anything a task builds itself)."""
        ...

    def mask_stream(self) -> TextStream:
        """A stream masker for subprocess output, split anywhere."""
        ...

    def register_secret(self, value: str) -> None:
        """Mark a value a task learned (a token, a response) as secret from now on."""
        ...

    def workdir(self) -> Path:
        """A private working folder for this task run, removed afterwards."""
        ...

    def variables(self) -> Mapping[str, Any]:
        """The variables expressions see (flow, execution, inputs, outputs...)."""
        ...

    def run_subflow(
        self,
        namespace: str,
        flow_id: str,
        inputs: dict[str, Any],
        labels: dict[str, str],
        wait: bool,
        extract: dict[str, Any] | None = None,
        inherit_labels: bool = False,
    ) -> dict[str, Any]:
        """Start a child execution; when ``wait``, return its id, state and outputs.

        ``extract`` maps output names to expressions rendered against the child's
        task outputs (Kestra's Subflow ``outputs``); without it the child's flow
        outputs are returned.
        """
        ...

    def pause(self, seconds: float | None) -> bool:
        """Pause the task run until resumed (True) or ``seconds`` pass (False)."""
        ...


class TaskFailed(Exception):
    """Raised by a task to fail its run with a user-facing message."""


@dataclass
class TaskResult:
    """What a runnable task returns: outputs and, optionally, a non-SUCCESS end state."""

    outputs: dict[str, Any] = field(default_factory=dict)
    state: State = State.SUCCESS
    message: str | None = None  # why, when the state is not SUCCESS
    #: secret outputs in clear, shaped like ``outputs`` (``{"vars": {"token": ...}}``):
    #: stored sealed, shown as the mask token, read in clear (tainted) by later tasks
    sealed: dict[str, Any] = field(default_factory=dict)


@dataclass
class Branch:
    """A list of child tasks a flowable runs, for one iteration or as a whole."""

    tasks: list[str]
    iteration: int | None = None
    value: str | None = None
    concurrency: int = 1  # 1 = one after another; 0 = all at once

    def to_json(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "iteration": self.iteration,
            "value": self.value,
            "concurrency": self.concurrency,
        }


@dataclass
class Plan:
    """What a flowable resolved at start: its branches and how many run at once."""

    branches: list[Branch]
    concurrency: int = 1  # branches at once; 0 = all
    errors: list[str] = field(default_factory=list)
    finally_: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    fail: str | None = None  # a reason to fail the flowable right away

    def to_json(self) -> dict[str, Any]:
        return {
            "branches": [b.to_json() for b in self.branches],
            "concurrency": self.concurrency,
            "errors": self.errors,
            "finally": self.finally_,
        }


def task_ids(tasks: list[TaskSpec] | None) -> list[str]:
    """Ids of the enabled tasks of a list (disabled tasks get no task run)."""
    return [t.id for t in tasks or [] if not t.disabled]


class Runnable(TaskSpec):
    """A task that does work in the worker."""

    def run(self, ctx: RunContext) -> dict[str, Any] | TaskResult | None:
        raise NotImplementedError


class Flowable(FlowableSpec):
    """A task that decides which child tasks run; the executor runs them.

    ``errors`` run when the children fail, ``finally`` always, after them.
    """

    errors: TaskList | None = None
    finally_: TaskList | None = Field(default=None, alias="finally")

    def plan(self, ctx: RunContext) -> Plan:
        raise NotImplementedError
