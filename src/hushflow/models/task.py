"""The task specification every task type extends.

A task type is a pydantic model of its properties (unrendered: expressions are
rendered at run time through the ``RunContext``) plus the common properties of
every Kestra task. Unknown properties are errors, so a typo never passes
silently. Flowable tasks (those that hold other tasks) subclass
:class:`FlowableSpec` and say which of their fields hold child tasks.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from hushflow.models.duration import parse_duration
from hushflow.models.state import State

TASK_ID = r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"


class Spec(BaseModel):
    """Base of every model read from a flow: camelCase names, no unknown keys."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
    )


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    return value


class Retry(Spec):
    """How a failed task run is attempted again (Kestra's ``retry`` property)."""

    type: Literal["constant", "exponential", "random"]
    max_attempts: int | None = Field(
        default=None,
        ge=1,
        validation_alias=AliasChoices("maxAttempts", "maxAttempt", "max_attempts"),
    )
    max_duration: timedelta | None = None
    interval: timedelta | None = None
    max_interval: timedelta | None = None
    min_interval: timedelta | None = None
    delay_factor: float | None = None
    warning_on_retry: bool = False
    behavior: Literal["RETRY_FAILED_TASK", "CREATE_NEW_EXECUTION"] = "RETRY_FAILED_TASK"

    _durations = field_validator(
        "max_duration", "interval", "max_interval", "min_interval", mode="before"
    )(_duration)


class TaskSpec(Spec):
    """Common properties of every task. Subclasses set ``type_names``."""

    #: The type names this class answers to (the first is canonical).
    type_names: ClassVar[tuple[str, ...]] = ()

    id: str = Field(pattern=TASK_ID, max_length=255)
    type: str
    description: str | None = None
    disabled: bool = False
    allow_failure: bool = False
    allow_warning: bool = False
    run_if: str | bool | None = None
    timeout: timedelta | None = None
    retry: Retry | None = None
    log_level: Literal["ERROR", "WARN", "INFO", "DEBUG", "TRACE"] | None = None
    log_to_file: bool = False
    worker_group: dict[str, Any] | None = None

    _durations = field_validator("timeout", mode="before")(_duration)

    @property
    def flowable(self) -> bool:
        """Whether this task holds other tasks (resolved by the executor)."""
        return False

    def final_state(self, state: State) -> State:
        """``state`` after ``allowFailure`` (FAILED -> WARNING) and ``allowWarning``."""
        if self.allow_failure and state == State.FAILED:
            state = State.WARNING
        if self.allow_warning and state == State.WARNING:
            state = State.SUCCESS
        return state

    def child_lists(self) -> dict[str, list[TaskSpec]]:
        """Every list of child tasks this task holds, by property name."""
        return {}


class FlowableSpec(TaskSpec):
    """A task that holds other tasks. ``child_fields`` names the properties that do."""

    child_fields: ClassVar[tuple[str, ...]] = ()

    @property
    def flowable(self) -> bool:
        return True

    def child_lists(self) -> dict[str, list[TaskSpec]]:
        out: dict[str, list[TaskSpec]] = {}
        for name in self.child_fields:
            value = getattr(self, name)
            if isinstance(value, dict):  # Switch's cases: {case: [tasks]}
                for case, tasks in value.items():
                    out[f"{name}.{case}"] = list(tasks or [])
            elif value:
                out[name] = list(value)
        return out
