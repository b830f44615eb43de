"""The worker: runs one task run (all its attempts) and reports the result.

It evaluates ``runIf``, asks a flowable for its plan, or runs a runnable task
with retries and a timeout. Every message it produces is masked (see
:mod:`hushflow.engine.outcomes`); outputs are masked as a structure.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hushflow.engine import sealed_outputs
from hushflow.engine.context import EngineRunContext
from hushflow.engine.outcomes import Outcome, TaskKilled, TaskTimeout, from_exception, from_return
from hushflow.engine.retry import delay, may_retry
from hushflow.masking import Masker
from hushflow.models.duration import format_duration
from hushflow.models.execution import Attempt
from hushflow.models.state import State, now
from hushflow.models.task import Retry, TaskSpec
from hushflow.tasks.context import Flowable, Runnable

ContextFactory = Callable[[int], EngineRunContext]


@dataclass
class WorkResult:
    """What the worker reports for one task run."""

    task_run_id: str
    state: State
    attempts: list[Attempt] = field(default_factory=list)
    outputs: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    #: the plan was built from a render that used a secret: every value is secret
    plan_secret: bool = False
    error: str | None = None
    #: secret outputs in clear (registered with the masker; stored sealed)
    sealed: dict[str, Any] | None = None


def _call(fn: Callable[[], Any], timeout: timedelta | None, ctx: EngineRunContext) -> Any:
    """Run ``fn``, in a helper thread when a timeout applies."""
    if timeout is None:
        result = fn()
        if ctx.cancelled.is_set():
            raise TaskKilled()
        return result
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the calling thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name=f"task-{ctx.task.id}")
    thread.start()
    thread.join(timeout.total_seconds())
    if thread.is_alive():
        ctx.cancelled.set()  # scripts and sleeps stop on this
        thread.join(5)
        raise TaskTimeout(f"Timeout after {format_duration(timeout)}")
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _run_if(task: TaskSpec, ctx: EngineRunContext, masker: Masker) -> Outcome | None:
    """SKIPPED when ``runIf`` is false, FAILED when it cannot render; else None."""
    if task.run_if is None:
        return None
    try:
        if ctx.truthy(ctx.render(task.run_if)):
            return None
    except Exception as exc:
        return from_exception(exc, masker)
    return Outcome(State.SKIPPED)


def _plan(task: Flowable, ctx: EngineRunContext, masker: Masker) -> WorkResult:
    try:
        plan = task.plan(ctx)
    except Exception as exc:
        out = from_exception(exc, masker)
        ctx.log("ERROR", out.message or "Task failure")
        return WorkResult(ctx.task_run_id, task.final_state(State.FAILED), error=out.message)
    outputs = masker.mask_value(plan.outputs) if plan.outputs else None
    return WorkResult(
        ctx.task_run_id,
        State.RUNNING,
        plan=plan.to_json(),
        outputs=outputs,
        plan_secret=ctx.tainted_seen,
    )


def _attempt(task: Runnable, ctx: EngineRunContext, masker: Masker) -> Outcome:
    try:
        outcome = from_return(_call(lambda: task.run(ctx), task.timeout, ctx))
    except Exception as exc:
        outcome = from_exception(exc, masker)
    finally:
        ctx.cleanup()
    if outcome.sealed:  # registered first: an ordinary output holding one is masked too
        problem = sealed_outputs.register(masker, outcome.sealed)
        if problem is not None:
            return Outcome(State.FAILED, message=problem)
    if outcome.outputs:
        outcome.outputs = masker.mask_value(outcome.outputs)
    if outcome.sealed:
        token = masker.token
        outcome.outputs = sealed_outputs.overlay(outcome.outputs, outcome.sealed, lambda _: token)
    return outcome


def run_task(
    task: TaskSpec,
    task_run_id: str,
    retry: Retry | None,
    make_context: ContextFactory,
    masker: Masker,
) -> WorkResult:
    """Run every attempt of one task run and return its result."""
    ctx = make_context(0)
    skipped = _run_if(task, ctx, masker)
    if skipped is not None:
        if skipped.message:
            ctx.log("ERROR", skipped.message)
        return WorkResult(task_run_id, task.final_state(skipped.state), error=skipped.message)
    if isinstance(task, Flowable):
        return _plan(task, ctx, masker)
    if not isinstance(task, Runnable):
        return WorkResult(task_run_id, State.FAILED, error=f"task type {task.type} cannot run")
    return _attempts(task, task_run_id, retry, make_context, masker)


def _attempts(
    task: Runnable,
    task_run_id: str,
    retry: Retry | None,
    make_context: ContextFactory,
    masker: Masker,
) -> WorkResult:
    attempts: list[Attempt] = []
    started = time.monotonic()
    while True:
        ctx = make_context(len(attempts))
        attempt = Attempt(state=State.RUNNING)
        attempts.append(attempt)
        outcome = _attempt(task, ctx, masker)
        attempt.state = outcome.state
        attempt.end_date = now()
        if outcome.state == State.FAILED:
            ctx.log("ERROR", outcome.message or "Task failure")
            if outcome.detail:
                ctx.log("DEBUG", outcome.detail)
        elapsed = timedelta(seconds=time.monotonic() - started)
        if outcome.state != State.FAILED or not may_retry(retry, len(attempts), elapsed):
            break
        assert retry is not None
        if ctx.killed.wait(delay(retry, len(attempts))):
            outcome = Outcome(State.KILLED, message="killed")
            break
    state = outcome.state
    if (
        state == State.SUCCESS
        and len(attempts) > 1
        and retry is not None
        and retry.warning_on_retry
    ):
        state = State.WARNING
    return WorkResult(
        task_run_id,
        task.final_state(state),
        attempts=attempts,
        outputs=outcome.outputs,
        error=outcome.message,
        sealed=outcome.sealed if outcome.state in (State.SUCCESS, State.WARNING) else None,
    )
