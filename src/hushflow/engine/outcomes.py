"""The one place that turns what a task did into a state and a message.

A task returns outputs, returns a ``TaskResult`` with a state, raises
``TaskFailed``, raises one of our typed errors, raises anything else, or runs
past its timeout. Each becomes a state here, and every message is masked
before it leaves (a failed masking yields a placeholder, never clear text).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any

from hushflow.errors import HushflowError
from hushflow.masking import Masker
from hushflow.models.state import State
from hushflow.tasks.context import TaskFailed, TaskResult


class TaskTimeout(Exception):
    """The attempt ran longer than the task's ``timeout``."""


class TaskKilled(Exception):
    """The execution was killed while the attempt ran."""


@dataclass
class Outcome:
    """The state of one attempt, its outputs and a masked message for the log."""

    state: State
    outputs: dict[str, Any] | None = None
    message: str | None = None
    detail: str | None = None  # a masked traceback, for unexpected errors
    sealed: dict[str, Any] | None = None  # secret outputs in clear (see TaskResult.sealed)


def from_return(value: Any) -> Outcome:
    """A task returned normally."""
    if isinstance(value, TaskResult):
        return Outcome(
            value.state, value.outputs or None, message=value.message, sealed=value.sealed or None
        )
    if value is None:
        return Outcome(State.SUCCESS)
    if not isinstance(value, dict):
        return Outcome(State.FAILED, message=f"task returned {type(value).__name__}, not outputs")
    return Outcome(State.SUCCESS, value)


def from_exception(exc: BaseException, masker: Masker) -> Outcome:
    """A task raised: its message (masked), and the masked traceback if unexpected."""
    if isinstance(exc, TaskKilled):
        return Outcome(State.KILLED, message="killed")
    if isinstance(exc, TaskTimeout):
        return Outcome(State.FAILED, message=masker.mask(str(exc)))
    if isinstance(exc, TaskFailed | HushflowError):
        return Outcome(State.FAILED, message=masker.mask(str(exc)))
    text = "".join(traceback.format_exception(exc))
    return Outcome(
        State.FAILED,
        message=masker.mask(f"{type(exc).__name__}: {exc}"),
        detail=masker.mask(text),
    )
