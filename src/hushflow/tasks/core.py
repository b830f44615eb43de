"""Kestra's core runnable tasks: Log, Return, OutputValues, Fail, Sleep."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, Field, field_validator

from hushflow.models.duration import parse_duration
from hushflow.tasks.context import RunContext, Runnable, TaskFailed

LEVELS = ("ERROR", "WARN", "INFO", "DEBUG", "TRACE")


class Log(Runnable):
    """Log a message (or each message of a list) at a level."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.log.Log",
        "io.kestra.core.tasks.log.Log",
    )
    message: str | list[str]
    level: Literal["ERROR", "WARN", "INFO", "DEBUG", "TRACE"] = "INFO"

    def run(self, ctx: RunContext) -> None:
        messages = self.message if isinstance(self.message, list) else [self.message]
        for message in messages:
            ctx.log(self.level, ctx.render_text(message))


class Return(Runnable):
    """Render ``format`` and return it as the output ``value`` (for debugging)."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.debug.Return",
        "io.kestra.core.tasks.debugs.Return",
    )
    format: Any = None

    def run(self, ctx: RunContext) -> dict[str, Any]:
        value = ctx.render_text(self.format)
        ctx.log("DEBUG", f"Returned: {value}")
        return {"value": value}


class OutputValues(Runnable):
    """Render a map of values and output them as ``values``."""

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.core.output.OutputValues",)
    values: dict[str, Any] = {}

    def run(self, ctx: RunContext) -> dict[str, Any]:
        return {"values": ctx.render(self.values)}


class Fail(Runnable):
    """Fail the task run, always or when ``condition`` renders true."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.execution.Fail",
        "io.kestra.core.tasks.executions.Fail",
    )
    condition: str | bool | None = None
    error_message: str = "Task failure"

    def run(self, ctx: RunContext) -> None:
        if self.condition is not None and not ctx.truthy(ctx.render(self.condition)):
            return
        raise TaskFailed(ctx.render_text(self.error_message))


class Sleep(Runnable):
    """Wait for a duration (stops early when the execution is killed)."""

    type_names: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.core.flow.Sleep",)
    duration: timedelta

    @field_validator("duration", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    def run(self, ctx: RunContext) -> None:
        if ctx.cancelled.wait(self.duration.total_seconds()):
            raise TaskFailed("killed while sleeping")


class Pause(Runnable):
    """Pause the execution until resumed (``hushflow execution resume``) or for a duration."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.flow.Pause",
        "io.kestra.core.tasks.flows.Pause",
    )
    pause_duration: timedelta | None = Field(
        default=None, validation_alias=AliasChoices("pauseDuration", "delay", "pause_duration")
    )

    @field_validator("pause_duration", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    def run(self, ctx: RunContext) -> dict[str, Any]:
        seconds = self.pause_duration.total_seconds() if self.pause_duration else None
        resumed = ctx.pause(seconds)
        if ctx.cancelled.is_set():
            raise TaskFailed("killed while paused")
        ctx.log("INFO", "resumed" if resumed else "pause duration elapsed, resuming")
        return {"resumed": resumed}
