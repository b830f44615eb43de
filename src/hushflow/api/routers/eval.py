"""Debug Expression: ``POST /executions/{id}/eval[/{taskRunId}]`` and 2.0's ``/actions/eval...``.

The body is the expression as ``text/plain``; the answer is ``{result}`` or
``{error}`` (status 200 either way, as Kestra). See
:mod:`hushflow.api.debug_expression` for why ``secret()`` cannot get out.
"""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Depends

from hushflow.api.bodies import TEXT_BODY, text_body
from hushflow.api.debug_expression import EvalResult, evaluate
from hushflow.api.execution_access import execution_for
from hushflow.api.openapi import errors
from hushflow.api.security import ServicesDep
from hushflow.auth.permissions import Action
from hushflow.models.execution import Execution
from hushflow.storage.repository import FlowRepository

router = APIRouter(tags=["Executions"])

Evaluated = Annotated[Execution, Depends(execution_for(Action.EVAL))]
Expression = Annotated[str, Depends(text_body)]
_DOC = {"response_model": EvalResult, "openapi_extra": TEXT_BODY, "responses": errors()}


@router.post("/executions/{executionId}/eval/{taskRunId}", **_DOC)  # type: ignore[arg-type]
@router.post("/executions/{executionId}/actions/eval/{taskRunId}", **_DOC)  # type: ignore[arg-type]
async def eval_task_run(
    taskRunId: str,
    execution: Evaluated,
    expression: Expression,
    svc: ServicesDep,
) -> EvalResult:
    """Render an expression as the task run saw it (its outputs, task and taskrun variables)."""
    flows = FlowRepository(svc.database)
    return await anyio.to_thread.run_sync(
        evaluate, expression, execution, flows, svc.engine, taskRunId
    )


@router.post("/executions/{executionId}/eval", **_DOC)  # type: ignore[arg-type]
@router.post("/executions/{executionId}/actions/eval", **_DOC)  # type: ignore[arg-type]
async def eval_execution(
    execution: Evaluated, expression: Expression, svc: ServicesDep
) -> EvalResult:
    """Render an expression in the execution's context: inputs, outputs, trigger, variables."""
    flows = FlowRepository(svc.database)
    return await anyio.to_thread.run_sync(evaluate, expression, execution, flows, svc.engine)
