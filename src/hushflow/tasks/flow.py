"""Kestra's flowable tasks: they decide which children run; the executor runs them.

Each flowable's ``plan`` is called once, when its task run starts; it renders
what it needs (a condition, a list of values) and returns the branches. The
executor then creates the children's task runs and derives the flowable's state
from theirs.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import Field, field_validator, model_validator

from hushflow.models.flow import TaskList
from hushflow.models.state import State
from hushflow.tasks.context import (
    Branch,
    Flowable,
    Plan,
    RunContext,
    Runnable,
    TaskFailed,
    TaskResult,
    task_ids,
)


def _with_branches(task: Flowable, branches: list[Branch], concurrency: int = 1) -> Plan:
    return Plan(
        branches=branches,
        concurrency=concurrency,
        errors=task_ids(task.errors),
        finally_=task_ids(task.finally_),
    )


class Sequential(Flowable):
    """Run child tasks one after another."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.Sequential",
        "io.kestra.core.tasks.flows.Sequential",
    )
    child_fields: ClassVar[tuple[str, ...]] = ("tasks", "errors", "finally_")
    tasks: TaskList = Field(min_length=1)

    def plan(self, ctx: RunContext) -> Plan:
        return _with_branches(self, [Branch(task_ids(self.tasks))])


class Parallel(Flowable):
    """Run child tasks at the same time (``concurrent`` at most; 0 = all)."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.Parallel",
        "io.kestra.core.tasks.flows.Parallel",
    )
    child_fields: ClassVar[tuple[str, ...]] = ("tasks", "errors", "finally_")
    tasks: TaskList = Field(min_length=1)
    concurrent: int = Field(default=0, ge=0)

    def plan(self, ctx: RunContext) -> Plan:
        return _with_branches(self, [Branch(task_ids(self.tasks), concurrency=self.concurrent)])


class If(Flowable):
    """Run ``then`` when the condition is true, else ``else``."""

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.core.flow.If",)
    child_fields: ClassVar[tuple[str, ...]] = ("then", "else_", "errors", "finally_")
    condition: Any
    then: TaskList = Field(min_length=1)
    else_: TaskList | None = Field(default=None, alias="else")

    def plan(self, ctx: RunContext) -> Plan:
        chosen = self.then if ctx.truthy(ctx.render(self.condition)) else self.else_
        return _with_branches(self, [Branch(task_ids(chosen))])


class Switch(Flowable):
    """Run the tasks of the case that matches ``value``, or ``defaults``."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.Switch",
        "io.kestra.core.tasks.flows.Switch",
    )
    child_fields: ClassVar[tuple[str, ...]] = ("cases", "defaults", "errors", "finally_")
    value: Any
    cases: dict[str, TaskList] | None = None
    defaults: TaskList | None = None

    @field_validator("cases", mode="before")
    @classmethod
    def _case_keys_as_text(cls, value: Any) -> Any:
        """YAML reads ``1:`` as a number; a case matches the rendered text."""
        if isinstance(value, dict):
            return {str(k).lower() if isinstance(k, bool) else str(k): v for k, v in value.items()}
        return value

    def plan(self, ctx: RunContext) -> Plan:
        value = ctx.render_text(self.value)
        cases = self.cases or {}
        if value in cases:
            chosen, is_default = cases[value], False
        elif self.defaults:
            chosen, is_default = self.defaults, True
        else:
            raise TaskFailed(f"Switch: no case matches the value and no defaults are set ({value})")
        plan = _with_branches(self, [Branch(task_ids(chosen))])
        plan.outputs = {"value": value, "defaults": is_default}
        return plan


def _iteration_values(raw: Any, ctx: RunContext, what: str) -> list[str]:
    """Render ``values`` (a list, or a JSON array string) to the iteration values."""
    rendered = ctx.render(raw)
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered)
        except ValueError:
            raise TaskFailed(f"{what} must be a list or a JSON array, got text") from None
    if not isinstance(rendered, list):
        raise TaskFailed(f"{what} must be a list or a JSON array")
    nulls = sum(item is None for item in rendered)
    if nulls:
        raise TaskFailed(f"Found '{nulls}' null values on Each, with values={_java(rendered)}")
    out = []
    for item in rendered:
        out.append(item if isinstance(item, str) else json.dumps(item, separators=(",", ":")))
    return out


def _java(value: Any) -> str:
    """A value printed as Java's ``toString`` would (Kestra's messages use it)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_java(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_java(v)}" for k, v in value.items()) + "}"
    return str(value)


class ForEach(Flowable):
    """Run the child tasks once for each value (``concurrencyLimit`` at once; 0 = all)."""

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.core.flow.ForEach",)
    child_fields: ClassVar[tuple[str, ...]] = ("tasks", "errors", "finally_")
    values: Any
    tasks: TaskList = Field(min_length=1)
    concurrency_limit: int = Field(default=1, ge=0)

    def plan(self, ctx: RunContext) -> Plan:
        values = _iteration_values(self.values, ctx, "ForEach 'values'")
        ids = task_ids(self.tasks)
        branches = [Branch(ids, iteration=i, value=v) for i, v in enumerate(values)]
        return _with_branches(self, branches, self.concurrency_limit)


class EachSequential(Flowable):
    """Legacy ForEach: one value after another."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.EachSequential",
        "io.kestra.core.tasks.flows.EachSequential",
    )
    child_fields: ClassVar[tuple[str, ...]] = ("tasks", "errors", "finally_")
    value: Any
    tasks: TaskList = Field(min_length=1)

    def plan(self, ctx: RunContext) -> Plan:
        values = _iteration_values(self.value, ctx, "EachSequential 'value'")
        ids = task_ids(self.tasks)
        return _with_branches(self, [Branch(ids, i, v) for i, v in enumerate(values)], 1)


class EachParallel(Flowable):
    """Legacy ForEach: every value, and every task of each, at once (``concurrent`` caps)."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.EachParallel",
        "io.kestra.core.tasks.flows.EachParallel",
    )
    child_fields: ClassVar[tuple[str, ...]] = ("tasks", "errors", "finally_")
    value: Any
    tasks: TaskList = Field(min_length=1)
    concurrent: int = Field(default=0, ge=0)

    def plan(self, ctx: RunContext) -> Plan:
        values = _iteration_values(self.value, ctx, "EachParallel 'value'")
        ids = task_ids(self.tasks)
        branches = [Branch(ids, i, v, concurrency=0) for i, v in enumerate(values)]
        return _with_branches(self, branches, self.concurrent)


class Subflow(Runnable):
    """Start an execution of another flow; wait for it and take its outputs."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.Subflow",
        "io.kestra.core.tasks.flows.Subflow",
        "io.kestra.core.tasks.flows.Flow",
    )
    namespace: str
    flow_id: str
    inputs: dict[str, Any] | None = None
    labels: dict[str, Any] | list[dict[str, Any]] | None = None
    wait: bool = True
    transmit_failed: bool = True
    inherit_labels: bool = False
    revision: int | None = None
    outputs: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _transmit_needs_wait(self) -> Subflow:
        if self.transmit_failed and not self.wait and "transmit_failed" in self.model_fields_set:
            raise ValueError("transmitFailed needs wait: true")
        return self

    def run(self, ctx: RunContext) -> TaskResult:
        namespace = ctx.render_text(self.namespace)
        flow_id = ctx.render_text(self.flow_id)
        inputs = ctx.render(self.inputs or {})
        labels = _labels(ctx.render(self.labels or {}))
        result = ctx.run_subflow(
            namespace, flow_id, inputs, labels, self.wait, self.outputs, self.inherit_labels
        )
        if self.wait and self.transmit_failed and result.get("state") in ("FAILED", "KILLED"):
            message = (
                f"Subflow execution {result.get('executionId')} of {namespace}.{flow_id} "
                f"ended {result.get('state')}"
            )
            return TaskResult(result, State.FAILED, message)
        return TaskResult(result)


def _labels(raw: Any) -> dict[str, str]:
    if isinstance(raw, list):
        return {str(i.get("key")): str(i.get("value")) for i in raw if isinstance(i, dict)}
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    return {}
