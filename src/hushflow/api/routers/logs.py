"""An execution's log lines (masked when written): list with filters, download, follow (SSE)."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent

from hushflow.api.execution_access import execution_for, load
from hushflow.api.openapi import errors
from hushflow.api.security import ServicesDep
from hushflow.api.shapes import log_json
from hushflow.api.sse import MAX_STREAM, POLL, sse_doc
from hushflow.auth.permissions import Action
from hushflow.errors import HushflowError
from hushflow.models.execution import Execution
from hushflow.models.levels import LEVELS
from hushflow.storage.search import LogQuery, logs_after

router = APIRouter(tags=["Logs"])
Json = dict[str, Any]

Logged = Annotated[Execution, Depends(execution_for(Action.ACCESS_LOGS))]


class BadLevel(HushflowError):
    status = 422


def log_query(
    executionId: str,
    minLevel: str | None = None,
    taskId: str | None = None,
    taskRunId: str | None = None,
    attempt: Annotated[int | None, Query(ge=0, le=100_000)] = None,
) -> LogQuery:
    """Filters from the query string (``minLevel`` is TRACE, DEBUG, INFO, WARN or ERROR)."""
    level = minLevel.upper() if minLevel else None
    if level is not None and level not in LEVELS:
        raise BadLevel(f"minLevel must be one of {', '.join(LEVELS)}")
    return LogQuery(executionId, taskId, taskRunId, attempt, level)


Filters = Annotated[LogQuery, Depends(log_query)]


@router.get("/logs/{executionId}", response_model=list[Json], responses=errors(401, 404, 422))
def list_logs(execution: Logged, q: Filters, svc: ServicesDep) -> list[Json]:
    """Every log line of an execution that passes the filters, oldest first."""
    out: list[Json] = []
    cursor = 0
    while True:
        rows, cursor_next = logs_after(svc.database, q, cursor)
        out.extend(log_json(e, execution) for _, e in rows)
        if cursor_next == cursor:
            return out
        cursor = cursor_next


@router.get(
    "/logs/{executionId}/download",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        **errors(401, 404, 422),
    },
)
def download_logs(execution: Logged, q: Filters, svc: ServicesDep) -> PlainTextResponse:
    """The log lines as text, one per line: ``timestamp LEVEL [task] message``."""
    lines = []
    for entry in list_logs(execution, q, svc):
        task = f"[{entry['taskId']}] " if entry["taskId"] else ""
        lines.append(f"{entry['timestamp']} {entry['level']:5} {task}{entry['message']}")
    return PlainTextResponse("\n".join(lines) + ("\n" if lines else ""))


@router.get(
    "/logs/{executionId}/follow",
    response_class=EventSourceResponse,
    responses={
        **sse_doc(
            {"type": "object", "description": "Kestra's LogEntry (masked)"},
            "one 'log' event per line; 'end' once the execution has ended and every line was sent",
        ),
        **errors(401, 404, 422),
    },
)
async def follow_logs(
    execution: Logged, q: Filters, svc: ServicesDep
) -> AsyncIterable[ServerSentEvent]:
    """Stream log lines as they are written; ends with an ``end`` event."""
    cursor = 0
    current = execution
    with anyio.move_on_after(MAX_STREAM):
        while True:
            ended = current.state.terminal
            rows, cursor = await anyio.to_thread.run_sync(logs_after, svc.database, q, cursor)
            for log_id, entry in rows:
                yield ServerSentEvent(data=log_json(entry, execution), event="log", id=str(log_id))
            if ended and not rows:
                yield ServerSentEvent(
                    data={"executionId": execution.id, "state": current.state.value}, event="end"
                )
                return
            if not rows:
                await anyio.sleep(POLL)
            current = await anyio.to_thread.run_sync(load, svc.database, execution.id)
