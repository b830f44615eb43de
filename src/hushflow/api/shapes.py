"""hushflow's records as Kestra's JSON (field names, enums, dates), so Kestra's clients parse them.

Everything here reads records that were masked before they were stored
(invariant 1); SECRET inputs stay sealed (``Execution.sealed_inputs`` is
never read here), and nothing here resolves a secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import yaml

from hushflow.models.execution import Attempt, Execution, LogEntry, TaskRun
from hushflow.models.state import State, StateChange
from hushflow.storage.repository import StoredFlow

JsonObject = dict[str, Any]


def _date(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when is not None else None


def _duration(start: datetime, end: datetime | None) -> str | None:
    if end is None:
        return None
    return f"PT{max(0.0, (end - start).total_seconds()):.3f}S"


def state_json(state: State, history: list[StateChange]) -> JsonObject:
    """Kestra's ``State``: current, histories, start/end dates, duration.

    Kestra's schema also has the getter forms (``getStartDate``...); they are
    given once the state has ended, when each has a value.
    """
    start = history[0].date if history else None
    end = history[-1].date if history and state.terminal else None
    out: JsonObject = {
        "current": state.value,
        "histories": [{"state": h.state.value, "date": _date(h.date)} for h in history],
        "startDate": _date(start),
        "endDate": _date(end),
        "duration": _duration(start, end) if start else None,
    }
    if start is not None and end is not None:
        out.update(
            getStartDate=out["startDate"], getEndDate=out["endDate"], getDuration=out["duration"]
        )
    return out


def labels_json(labels: dict[str, str]) -> list[JsonObject]:
    """Kestra's labels: a list of ``{key, value}``."""
    return [{"key": k, "value": str(v)} for k, v in labels.items() if k and str(v)]


def _attempt_json(attempt: Attempt) -> JsonObject:
    history = [StateChange(state=State.RUNNING, date=attempt.start_date)]
    if attempt.end_date is not None:
        history.append(StateChange(state=attempt.state, date=attempt.end_date))
    return {"state": state_json(attempt.state, history)}


def task_run_json(run: TaskRun, execution: Execution) -> JsonObject:
    """One task run (its outputs are masked; no value is opened)."""
    return {
        "id": run.id,
        "executionId": run.execution_id,
        "namespace": execution.namespace,
        "flowId": execution.flow_id,
        "taskId": run.task_id,
        "parentTaskRunId": run.parent_task_run_id,
        "value": run.value,
        "iteration": run.iteration,
        "attempts": [_attempt_json(a) for a in run.attempts],
        "outputs": run.outputs,
        "state": state_json(run.state, run.state_history),
        "error": run.error,
    }


def execution_json(execution: Execution, *, with_task_runs: bool = True) -> JsonObject:
    """An execution as Kestra's ``Execution`` (SECRET inputs are shown masked)."""
    return {
        "id": execution.id,
        "namespace": execution.namespace,
        "flowId": execution.flow_id,
        "flowRevision": execution.flow_revision,
        "labels": labels_json(execution.labels),
        "inputs": execution.inputs,
        "outputs": execution.outputs,
        "taskRunList": (
            [task_run_json(r, execution) for r in execution.task_runs] if with_task_runs else None
        ),
        "state": state_json(execution.state, execution.state_history),
        "parentId": execution.parent_id,
        "originalId": execution.id,
        "trigger": execution.trigger,
        "deleted": False,
        "metadata": {"attemptNumber": 1, "originalCreatedDate": _date(execution.created)},
        "error": execution.error,
    }


def log_json(entry: LogEntry, execution: Execution | None) -> JsonObject:
    """One (masked) log line as Kestra's ``LogEntry``."""
    return {
        "namespace": execution.namespace if execution else "",
        "flowId": execution.flow_id if execution else "",
        "executionId": entry.execution_id,
        "taskId": entry.task_id,
        "taskRunId": entry.task_run_id,
        "attemptNumber": entry.attempt,
        "level": entry.level,
        "message": entry.message,
        "timestamp": _date(entry.timestamp),
    }


def flow_json(stored: StoredFlow, *, with_source: bool = True) -> JsonObject:
    """A flow revision as Kestra's ``FlowWithSource`` (the parsed document plus revision data)."""
    doc = yaml.safe_load(stored.source)
    body: JsonObject = dict(doc) if isinstance(doc, dict) else {}
    labels = body.get("labels")
    if isinstance(labels, dict):
        body["labels"] = labels_json({str(k): str(v) for k, v in labels.items()})
    body.update(
        id=stored.id,
        namespace=stored.namespace,
        revision=stored.revision,
        updated=_date(stored.created),
        disabled=bool(body.get("disabled", False)),
        draft=False,
        deleted=False,
    )
    if with_source:
        body["source"] = stored.source
    out: JsonObject = _jsonable(body)
    return out


def _jsonable(value: Any) -> Any:
    """YAML can hold dates and non-string keys; JSON cannot."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return _date(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
