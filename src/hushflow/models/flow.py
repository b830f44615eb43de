"""The flow: what a user writes in YAML, as a validated model.

Parsing from text (with line and column for every problem) lives in
:mod:`hushflow.models.flow_source`; this module is the shape and its rules.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from hushflow.models.registry import AnyTask
from hushflow.models.task import Retry, Spec, TaskSpec

NAMESPACE_SEGMENT = r"[a-z0-9][a-z0-9_-]*"
NAMESPACE = rf"^{NAMESPACE_SEGMENT}(\.{NAMESPACE_SEGMENT})*$"
FLOW_ID = r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$"

InputType = Literal[
    "STRING", "INT", "FLOAT", "BOOLEAN", "BOOL", "SELECT", "ENUM", "MULTISELECT", "ARRAY",
    "JSON", "YAML", "URI", "EMAIL", "DATE", "DATETIME", "TIME", "DURATION", "SECRET", "FILE",
]  # fmt: skip


class Input(Spec):
    """A declared execution input (Kestra's ``inputs``)."""

    id: str = Field(
        pattern=r"^[a-zA-Z0-9][.a-zA-Z0-9_-]*$", validation_alias=AliasChoices("id", "name")
    )
    type: InputType = "STRING"
    description: str | None = None
    display_name: str | None = None
    required: bool = True
    defaults: Any = None
    validator: str | None = None
    values: list[Any] | None = None
    allow_custom_value: bool = False
    item_type: InputType | None = None
    min: Any = None
    max: Any = None
    after: Any = None
    before: Any = None
    allow_empty: bool = True
    depends_on: Any = None
    prefill: Any = None
    expression: str | None = None
    is_radio: bool = False

    @model_validator(mode="after")
    def _choices_need_values(self) -> Input:
        if self.type in ("SELECT", "ENUM", "MULTISELECT") and not (self.values or self.expression):
            raise ValueError(f"input '{self.id}' of type {self.type} needs 'values'")
        if self.type == "ARRAY" and self.item_type is None:
            raise ValueError(f"input '{self.id}' of type ARRAY needs 'itemType'")
        return self


class Output(Spec):
    """A flow output, rendered when the execution ends."""

    id: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$")
    type: InputType = "STRING"
    value: Any
    description: str | None = None
    display_name: str | None = None
    required: bool = True


class PluginDefault(Spec):
    """Default property values for every task of a type (``pluginDefaults``)."""

    type: str
    values: dict[str, Any]
    forced: bool = False


class Trigger(Spec):
    """A trigger declaration; schedules are read by the scheduler."""

    model_config = Spec.model_config | {"extra": "allow"}
    id: str
    type: str
    disabled: bool = False


TaskList = list[AnyTask]


class Flow(Spec):
    """A flow as written by its author (one revision of it)."""

    id: str = Field(pattern=FLOW_ID, max_length=100)
    namespace: str = Field(pattern=NAMESPACE, max_length=150)
    revision: int | None = None
    description: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    inputs: list[Input] = Field(default_factory=list)
    variables: dict[str, Any] = Field(default_factory=dict)
    tasks: TaskList = Field(min_length=1)
    errors: TaskList = Field(default_factory=list)
    finally_: TaskList = Field(default_factory=list, alias="finally")
    after_execution: TaskList = Field(default_factory=list)
    outputs: list[Output] = Field(default_factory=list)
    triggers: list[Trigger] = Field(default_factory=list)
    plugin_defaults: list[PluginDefault] = Field(
        default_factory=list, validation_alias=AliasChoices("pluginDefaults", "taskDefaults")
    )
    retry: Retry | None = None
    disabled: bool = False
    deleted: bool = False
    concurrency: dict[str, Any] | None = None

    @field_validator("labels", mode="before")
    @classmethod
    def _labels_as_map(cls, value: Any) -> Any:
        """Kestra accepts labels as a map or as a list of ``{key, value}``."""
        if isinstance(value, list):
            out: dict[str, Any] = {}
            for item in value:
                if not isinstance(item, dict) or set(item) != {"key", "value"}:
                    raise ValueError("each label in a list must be a map with 'key' and 'value'")
                out[str(item["key"])] = item["value"]
            value = out
        if isinstance(value, dict):
            return {str(k): "" if v is None else str(v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> Flow:
        seen: set[str] = set()
        for task in self.all_tasks():
            if task.id in seen:
                raise ValueError(
                    f"duplicate task id '{task.id}': task ids must be unique in a flow"
                )
            seen.add(task.id)
        input_ids = [i.id for i in self.inputs]
        for dup in {i for i in input_ids if input_ids.count(i) > 1}:
            raise ValueError(f"duplicate input id '{dup}'")
        return self

    def all_tasks(self) -> list[TaskSpec]:
        """Every task of the flow, depth first, the branches included."""
        out: list[TaskSpec] = []

        def walk(tasks: list[TaskSpec]) -> None:
            for task in tasks:
                out.append(task)
                for children in task.child_lists().values():
                    walk(children)

        walk([*self.tasks, *self.errors, *self.finally_, *self.after_execution])
        return out
