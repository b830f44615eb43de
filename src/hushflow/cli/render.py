"""How executions and logs look on a terminal and in ``--output json``."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, TextIO

import click

from hushflow.models.execution import Execution, LogEntry

LEVEL_COLOURS = {
    "ERROR": "red",
    "WARN": "yellow",
    "INFO": "white",
    "DEBUG": "cyan",
    "TRACE": "blue",
}


def print_log(entry: LogEntry, stream: TextIO | None = None) -> None:
    """One log line: time, level, task, message (already masked)."""
    stamp = entry.timestamp.strftime("%H:%M:%S.%f")[:-3]
    level = click.style(f"{entry.level:5}", fg=LEVEL_COLOURS.get(entry.level, "white"))
    task = f"[{entry.task_id}] " if entry.task_id else ""
    click.echo(f"{stamp} {level} {task}{entry.message}", file=stream or sys.stdout)


def print_logs(entries: Iterable[LogEntry], stream: TextIO | None = None) -> None:
    """Many log lines, as :func:`print_log` prints each, without a flush per line.

    ``click.echo`` flushes and re-checks the terminal on every call, which caps
    a large log at a few MB/s; here colours are decided once and the stream's
    own buffering does the rest.
    """
    out = stream or sys.stdout
    colour = out.isatty()
    for entry in entries:
        stamp = entry.timestamp.strftime("%H:%M:%S.%f")[:-3]
        level = f"{entry.level:5}"
        if colour:
            level = click.style(level, fg=LEVEL_COLOURS.get(entry.level, "white"))
        task = f"[{entry.task_id}] " if entry.task_id else ""
        out.write(f"{stamp} {level} {task}{entry.message}\n")
    out.flush()


def task_run_document(run: Any) -> dict[str, Any]:
    """A task run as the CLI and API show it."""
    return {
        "id": run.id,
        "taskId": run.task_id,
        "parentTaskRunId": run.parent_task_run_id,
        "value": run.value,
        "state": run.state.value,
        "attempts": [a.to_json() for a in run.attempts],
        "outputs": run.outputs or {},
        "stateHistory": [
            {"state": h.state.value, "date": h.date.isoformat()} for h in run.state_history
        ],
    }


def execution_document(ex: Execution, logs: list[LogEntry] | None = None) -> dict[str, Any]:
    """An execution (and its logs) as one JSON document."""
    doc: dict[str, Any] = {
        "id": ex.id,
        "namespace": ex.namespace,
        "flowId": ex.flow_id,
        "flowRevision": ex.flow_revision,
        "state": ex.state.value,
        "labels": ex.labels,
        "inputs": ex.inputs,
        "outputs": ex.outputs,
        "parentId": ex.parent_id,
        "created": ex.created.isoformat(),
        "ended": ex.ended.isoformat() if ex.ended else None,
        "taskRuns": [task_run_document(r) for r in ex.task_runs],
    }
    if logs is not None:
        doc["logs"] = [
            {"taskId": e.task_id, "taskRunId": e.task_run_id, "level": e.level,
             "message": e.message, "timestamp": e.timestamp.isoformat()}
            for e in logs
        ]  # fmt: skip
    return doc
