"""Executions: create (inputs, labels, ``wait``), get, search with keyset pagination, delete.

Actions on an execution (kill, restart, resume) are in ``execution_actions``;
following one as it runs in ``follow``. Responses are Kestra's ``Execution``
JSON, built from what is stored (masked; SECRET inputs stay sealed).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from hushflow.api import audit_trail, cursor
from hushflow.api.execution_access import Conflict, NoEngine, ViewedExecution, checked, load
from hushflow.api.execution_inputs import read_inputs
from hushflow.api.flow_cache import parsed_flow
from hushflow.api.openapi import errors
from hushflow.api.security import CurrentPrincipal, ServicesDep
from hushflow.api.shapes import execution_json
from hushflow.auth.authorize import authorize
from hushflow.auth.permissions import Action, Resource
from hushflow.engine.runner import Engine
from hushflow.errors import HushflowError
from hushflow.storage import search
from hushflow.storage.repository import ExecutionRepository, FlowRepository

router = APIRouter(tags=["Executions"])
Json = dict[str, Any]

#: The longest ``?wait=true`` holds a request (seconds); then the execution as it is.
WAIT_LIMIT = 300.0

_INPUTS_BODY = {
    "requestBody": {
        "required": False,
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "additionalProperties": True}},
            "application/json": {"schema": {"type": "object", "additionalProperties": True}},
        },
    }
}


class ExecutionPage(BaseModel):
    """A page of executions, newest first; ``next`` is the cursor of the following page."""

    results: list[Json]
    total: int
    next: str | None = None


class BadLabel(HushflowError):
    status = 422


def _labels(raw: list[str]) -> dict[str, str]:
    out = {}
    for item in raw:
        key, sep, value = item.partition(":")
        if not sep or not key or not value:
            raise BadLabel(f"label '{item}' must read key:value")
        out[key] = value
    return out


@router.post(
    "/executions/{namespace}/{id}", response_model=Json, openapi_extra=_INPUTS_BODY,
    responses=errors(400, 401, 403, 404, 422, 503),
)  # fmt: skip
async def create_execution(
    namespace: str,
    id: str,
    request: Request,
    principal: CurrentPrincipal,
    svc: ServicesDep,
    wait: bool = False,
    revision: Annotated[int | None, Query(ge=1, le=2**31)] = None,
    labels: Annotated[list[str], Query(description="key:value, repeatable")] = [],  # noqa: B006
) -> Json:
    """Start an execution of a flow; with ``wait=true``, answer once it has ended."""
    authorize(principal, Resource.FLOW, Action.EXECUTE, namespace, hide=True)
    engine = svc.engine
    if engine is None:
        raise NoEngine("this server runs no engine; start one with 'hushflow server local'")
    stored = await anyio.to_thread.run_sync(
        lambda: FlowRepository(svc.database).get(namespace, id, revision)
    )
    flow = parsed_flow(stored)
    wanted = _labels(labels)
    raw = await read_inputs(request, flow)
    try:
        execution = await anyio.to_thread.run_sync(
            lambda: engine.submit(flow, raw.values, revision=stored.revision, labels=wanted)
        )
    finally:
        raw.cleanup()
    audit_trail.record(
        svc, principal, "execution.create", namespace, execution.id,
        execution_id=execution.id, flow_id=id, now=False,
    )  # fmt: skip
    if wait:
        with anyio.move_on_after(WAIT_LIMIT):
            await anyio.to_thread.run_sync(
                lambda: engine.wait(execution.id), abandon_on_cancel=True
            )
    done = await anyio.to_thread.run_sync(lambda: load(svc.database, execution.id))
    return execution_json(done)


def _wait(engine: Engine, execution_id: str) -> None:
    with suppress(TimeoutError):
        engine.wait(execution_id, WAIT_LIMIT)


@router.get("/executions/search", response_model=ExecutionPage, responses=errors(400, 401, 422))
def search_executions(
    request: Request,
    principal: CurrentPrincipal,
    svc: ServicesDep,
    namespace: str | None = None,
    flowId: str | None = None,
    state: Annotated[list[str], Query()] = [],  # noqa: B006
    startDate: datetime | None = None,
    endDate: datetime | None = None,
    labels: Annotated[list[str], Query(description="key:value, repeatable")] = [],  # noqa: B006
    after: Annotated[
        str | None, Query(description="The 'next' cursor of the previous page")
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=1000)] = 25,
) -> ExecutionPage:
    """Executions the caller may list, newest first; keyset-paginated with ``after``."""
    filters = _kestra_filters(request)
    query = search.ExecutionQuery(
        roots=principal.visible_namespace_roots(Resource.EXECUTION, Action.LIST),
        namespace=filters.get("namespace", namespace),
        flow_id=filters.get("flowId", flowId),
        states=_states(filters.get("state"), state),
        start=startDate,
        end=endDate,
        labels=list(_labels(labels).items()),
    )
    key = cursor.decode(after)
    offset = 0 if key is not None else (page - 1) * size
    found, total, next_key = search.search_executions(
        svc.database, query, after=key, limit=size, offset=offset
    )
    results = [execution_json(e, with_task_runs=False) for e in found]
    return ExecutionPage(results=results, total=total, next=cursor.encode(next_key))


@router.get("/executions", response_model=ExecutionPage, responses=errors(400, 401, 422))
def search_executions_by_flow(
    request: Request,
    principal: CurrentPrincipal,
    svc: ServicesDep,
    namespace: str | None = None,
    flowId: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=1000)] = 25,
) -> ExecutionPage:
    """Kestra's older search of a flow's executions (page and size)."""
    return search_executions(
        request, principal, svc, namespace=namespace, flowId=flowId, state=[], startDate=None,
        endDate=None, labels=[], after=None, page=page, size=size,
    )  # fmt: skip


_STATES = {
    "CREATED", "QUEUED", "RUNNING", "PAUSED", "RETRYING", "KILLING", "SUCCESS", "WARNING",
    "FAILED", "KILLED", "CANCELLED", "SKIPPED", "RETRIED", "RESTARTED",
}  # fmt: skip
_FILTER_FIELDS = {"namespace", "flowId", "state"}


class BadFilter(HushflowError):
    status = 400


def _kestra_filters(request: Request) -> dict[str, str]:
    """``filters[field][OP]=value`` as Kestra's clients send them (the fields searched here)."""
    out = {}
    for name, value in request.query_params.multi_items():
        if not name.startswith("filters["):
            continue
        parts = name.removeprefix("filters[").rstrip("]").split("][")
        if len(parts) != 2 or parts[0] not in _FILTER_FIELDS:
            known = ", ".join(sorted(_FILTER_FIELDS))
            raise BadFilter(f"filter '{name}' is not supported here; filter on {known}")
        out[parts[0]] = value
    return out


def _states(from_filter: str | None, given: list[str]) -> list[str]:
    states = [s.strip().upper() for s in (from_filter or "").split(",") if s.strip()] + given
    unknown = [s for s in states if s not in _STATES]
    if unknown:
        raise BadFilter(f"unknown state {unknown[0]!r}; one of {', '.join(sorted(_STATES))}")
    return states


@router.get("/executions/{executionId}", response_model=Json, responses=errors(401, 404, 422))
def get_execution(execution: ViewedExecution) -> Json:
    """One execution with its task runs (masked)."""
    return execution_json(execution)


@router.delete(
    "/executions/{executionId}", status_code=204, response_class=Response,
    responses=errors(401, 403, 404, 409, 422),
)  # fmt: skip
def delete_execution(
    executionId: str,
    principal: CurrentPrincipal,
    svc: ServicesDep,
) -> Response:
    """Delete an ended execution with its task runs and logs."""
    execution = checked(principal, load(svc.database, executionId), Action.DELETE)
    if not execution.state.terminal:
        raise Conflict(f"execution '{executionId}' is {execution.state.value}; kill it first")
    ExecutionRepository(svc.database).delete(executionId)
    audit_trail.record(
        svc, principal, "execution.delete", execution.namespace, executionId,
        execution_id=executionId, flow_id=execution.flow_id,
    )  # fmt: skip
    return Response(status_code=204)
