"""The API's Kestra-shaped JSON back into what the local CLI prints.

``execution list|show|logs --server`` print the same lines and the same
``--output json`` document as the local commands; these functions map the
server's ``Execution`` and ``LogEntry`` JSON onto those shapes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hushflow.models.execution import LogEntry

Json = dict[str, Any]


def when(raw: str | None) -> datetime | None:
    """An API date (``...Z``) as a datetime; None stays None."""
    return datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None


def _iso(raw: str | None) -> str | None:
    found = when(raw)
    return found.isoformat() if found else None


def state_of(doc: Json) -> str:
    return str((doc.get("state") or {}).get("current", "?"))


def created_of(doc: Json) -> datetime | None:
    created = when((doc.get("metadata") or {}).get("originalCreatedDate"))
    return created or when((doc.get("state") or {}).get("startDate"))


def labels_of(doc: Json) -> dict[str, str]:
    return {str(x["key"]): str(x["value"]) for x in doc.get("labels") or []}


def _task_run(run: Json) -> Json:
    state = run.get("state") or {}
    return {
        "id": run.get("id"),
        "taskId": run.get("taskId"),
        "parentTaskRunId": run.get("parentTaskRunId"),
        "value": run.get("value"),
        "state": state.get("current"),
        "attempts": run.get("attempts") or [],
        "outputs": run.get("outputs") or {},
        "stateHistory": [
            {"state": h.get("state"), "date": _iso(h.get("date"))}
            for h in state.get("histories") or []
        ],
    }


def execution_document(doc: Json) -> Json:
    """The local ``--output json`` document of an execution, from the API's ``Execution``."""
    created = created_of(doc)
    return {
        "id": doc.get("id"),
        "namespace": doc.get("namespace"),
        "flowId": doc.get("flowId"),
        "flowRevision": doc.get("flowRevision"),
        "state": state_of(doc),
        "labels": labels_of(doc),
        "inputs": doc.get("inputs") or {},
        "outputs": doc.get("outputs") or {},
        "parentId": doc.get("parentId"),
        "created": created.isoformat() if created else None,
        "ended": _iso((doc.get("state") or {}).get("endDate")),
        "taskRuns": [_task_run(r) for r in doc.get("taskRunList") or []],
    }


def log_entry(doc: Json) -> LogEntry:
    """One API log line as the record ``print_log`` prints (already masked by the server)."""
    return LogEntry(
        execution_id=str(doc.get("executionId", "")),
        task_run_id=doc.get("taskRunId"),
        task_id=doc.get("taskId"),
        attempt=doc.get("attemptNumber"),
        level=str(doc.get("level", "INFO")),
        message=str(doc.get("message", "")),
        timestamp=when(doc.get("timestamp")) or datetime.now(UTC),
    )
