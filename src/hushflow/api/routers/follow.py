"""``GET /executions/{id}/follow``: the execution each time it changes, as Server-Sent Events.

Each event is ``execution`` with Kestra's ``Execution`` JSON (masked); the
last one, once the execution has ended, is named ``end``. The stream polls
the database, so it follows executions run by any process.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends
from fastapi.sse import EventSourceResponse, ServerSentEvent

from hushflow.api.execution_access import execution_for, load
from hushflow.api.openapi import errors
from hushflow.api.security import ServicesDep
from hushflow.api.shapes import execution_json
from hushflow.api.sse import MAX_STREAM, POLL, sse_doc
from hushflow.auth.permissions import Action
from hushflow.models.execution import Execution

router = APIRouter(tags=["Executions"])

Followed = Annotated[Execution, Depends(execution_for(Action.VIEW))]
_EXECUTION_EVENT = {"type": "object", "description": "Kestra's Execution (masked)"}


@router.get(
    "/executions/{executionId}/follow",
    response_class=EventSourceResponse,
    responses={
        **sse_doc(_EXECUTION_EVENT, "'execution' events, then one 'end' with the final execution"),
        **errors(401, 404, 422),
    },
)
async def follow_execution(execution: Followed, svc: ServicesDep) -> AsyncIterable[ServerSentEvent]:
    """Stream the execution as it changes; the last event is ``end``."""
    last = ""
    current = execution
    with anyio.move_on_after(MAX_STREAM):
        while True:
            body = execution_json(current)
            text = json.dumps(body, sort_keys=True)
            if current.state.terminal:
                yield ServerSentEvent(data=body, event="end")
                return
            if text != last:
                last = text
                yield ServerSentEvent(data=body, event="execution")
            await anyio.sleep(POLL)
            current = await anyio.to_thread.run_sync(load, svc.database, execution.id)
