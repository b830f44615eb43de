"""Kill, restart and resume an execution, at Kestra's old paths and at 2.0's ``/actions/...``.

Kill and resume go to whichever engine holds the execution: this process's
directly, another process's through the ``execution_commands`` table it
polls. Restart runs here (it needs this server's engine).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from hushflow.api import audit_trail
from hushflow.api.execution_access import Conflict, NoEngine, execution_for, load
from hushflow.api.openapi import errors
from hushflow.api.security import CurrentPrincipal, ServicesDep
from hushflow.api.shapes import execution_json
from hushflow.auth.permissions import Action
from hushflow.engine.commands import CommandQueue
from hushflow.models.execution import Execution
from hushflow.models.state import State

router = APIRouter(tags=["Executions"])
Json = dict[str, Any]

Killable = Annotated[Execution, Depends(execution_for(Action.KILL))]
Restartable = Annotated[Execution, Depends(execution_for(Action.RESTART))]
Resumable = Annotated[Execution, Depends(execution_for(Action.RESUME))]

_ACTION_ERRORS = errors(401, 403, 404, 409, 422, 503)


@router.delete(
    "/executions/{executionId}/actions/kill", status_code=202, response_model=Json,
    responses=_ACTION_ERRORS,
)  # fmt: skip
@router.delete(
    "/executions/{executionId}/kill", status_code=202, response_model=Json,
    responses=_ACTION_ERRORS,
)  # fmt: skip
def kill_execution(execution: Killable, principal: CurrentPrincipal, svc: ServicesDep) -> Json:
    """Stop a running execution: running task runs are cancelled, nothing new starts."""
    if execution.state.terminal:
        raise Conflict(f"execution '{execution.id}' has ended ({execution.state.value})")
    if svc.engine is not None and svc.engine.live(execution.id) is not None:
        svc.engine.kill(execution.id)
    else:
        CommandQueue(svc.database).request(execution.id, "kill")
    _record(svc, principal, "execution.kill", execution)
    return execution_json(load(svc.database, execution.id))


@router.post(
    "/executions/{executionId}/actions/restart", response_model=Json, responses=_ACTION_ERRORS
)
@router.post("/executions/{executionId}/restart", response_model=Json, responses=_ACTION_ERRORS)
def restart_execution(
    execution: Restartable, principal: CurrentPrincipal, svc: ServicesDep
) -> Json:
    """Run a FAILED or KILLED execution again from its failed task runs."""
    if execution.state not in (State.FAILED, State.KILLED):
        raise Conflict(
            f"execution '{execution.id}' is {execution.state.value}; "
            "only a FAILED or KILLED execution restarts"
        )
    if svc.engine is None:
        raise NoEngine("this server runs no engine; restart from a server that does")
    restarted = svc.engine.restart(execution.id)
    _record(svc, principal, "execution.restart", execution)
    return execution_json(restarted)


@router.post(
    "/executions/{executionId}/actions/resume", response_model=Json, responses=_ACTION_ERRORS
)
@router.post("/executions/{executionId}/resume", response_model=Json, responses=_ACTION_ERRORS)
def resume_execution(execution: Resumable, principal: CurrentPrincipal, svc: ServicesDep) -> Json:
    """Resume a PAUSED execution (its Pause task runs carry on)."""
    if execution.state is not State.PAUSED:
        raise Conflict(f"execution '{execution.id}' is {execution.state.value}, not PAUSED")
    CommandQueue(svc.database).request(execution.id, "resume")
    _record(svc, principal, "execution.resume", execution)
    return execution_json(execution)


def _record(svc: ServicesDep, principal: CurrentPrincipal, action: str, ex: Execution) -> None:
    audit_trail.record(
        svc, principal, action, ex.namespace, ex.id, execution_id=ex.id, flow_id=ex.flow_id
    )
