"""Kestra's Debug Expression, without its way out: ``secret()`` is refused however it is reached.

The expression is rendered with ``allow_secrets=False`` and no functions
that reach a store: ``secret()`` raises before any lookup, and the refusal
travels through ``render()``, ``renderOnce()``, ``??``, ``default`` and
templates assembled by concatenation (they are rendered with the same
setting). The variables are the execution's as stored: inputs and outputs
masked when written, SECRET inputs still sealed (never opened here). The
answer passes the execution's masker (the live one while it runs). Errors
are messages, never stack traces.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from hushflow.engine.runner import Engine
from hushflow.engine.variables import execution_variables, task_variables
from hushflow.errors import HushflowError, NotFound
from hushflow.expressions import SECRET_NOT_ALLOWED, render_typed
from hushflow.masking import Masker
from hushflow.models.execution import Execution
from hushflow.models.flow import Flow
from hushflow.models.flow_source import parse_flow
from hushflow.storage.repository import FlowRepository

REFUSED = (
    "secret() is not available in Debug Expression: a debugging tool must not print secrets. "
    "Read the secret's metadata with GET /namespaces/{namespace}/secrets instead."
)


class EvalResult(BaseModel):
    """Kestra's answer: ``result`` on success, ``error`` (a message) otherwise."""

    result: str | None = None
    error: str | None = None


def variables_for(
    flow: Flow, execution: Execution, task_run_id: str | None, globals_: dict[str, Any]
) -> dict[str, Any]:
    """What an expression of this execution (or of one of its task runs) sees, as stored."""
    base = execution_variables(flow, execution, execution.inputs, globals_)
    if task_run_id is None:
        return base
    try:
        run = execution.task_run(task_run_id)
    except KeyError:
        raise NotFound(
            f"task run '{task_run_id}' not found in execution '{execution.id}'"
        ) from None
    spec = next((t for t in flow.all_tasks() if t.id == run.task_id), None)
    if spec is None:
        raise NotFound(f"task '{run.task_id}' is not in revision {execution.flow_revision}")
    return task_variables(base, execution, spec, run, max(1, len(run.attempts)))


def evaluate(
    expression: str,
    execution: Execution,
    flows: FlowRepository,
    engine: Engine | None,
    task_run_id: str | None = None,
) -> EvalResult:
    """Render ``expression`` in the execution's context; a refused or failed render is ``error``."""
    stored = flows.get(execution.namespace, execution.flow_id, execution.flow_revision)
    flow = parse_flow(stored.source, f"{execution.namespace}.{execution.flow_id}")
    live = engine.live(execution.id) if engine is not None else None
    masker = live.masker if live is not None else Masker()
    globals_ = dict(engine.globals) if engine is not None else {}
    variables = variables_for(flow, execution, task_run_id, globals_)
    try:
        rendered = render_typed(expression, variables, functions={}, allow_secrets=False)
    except HushflowError as exc:
        if SECRET_NOT_ALLOWED in exc.message:
            return EvalResult(error=REFUSED)
        return EvalResult(error=masker.mask(exc.message))
    if rendered.tainted:  # nothing tainted can come from stored data; refuse rather than guess
        return EvalResult(error=REFUSED)
    return EvalResult(result=masker.mask(rendered.text))
