"""The executor: a pure function from (flow, execution) to the next actions.

It reads the execution's task runs and decides what happens next: which task
runs to create, which flowable runs are finished and with what state, whether
the execution is over. It does no I/O and keeps no state of its own, so tests
step it one call at a time (huey's ``execute_next()`` is the model), and the
runner that applies its actions can live anywhere.

A *branch* is an ordered list of task ids under one parent task run (or the
flow itself) and one iteration. A flowable's plan (stored on its task run when
it starts) lists its branches, how many run at once, and its ``errors`` and
``finally`` tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hushflow.models.execution import Execution, TaskRun
from hushflow.models.flow import Flow
from hushflow.models.state import State, worst
from hushflow.models.task import Retry, TaskSpec


@dataclass
class CreateTaskRun:
    """Create this task run and hand it to a worker."""

    task_run: TaskRun
    task: TaskSpec
    retry: Retry | None = None


@dataclass
class EndTaskRun:
    """A flowable's children are done: give the flowable its final state."""

    task_run_id: str
    state: State


@dataclass
class EndExecution:
    """Nothing is left to run: end with this state (outputs are rendered then)."""

    state: State


Action = CreateTaskRun | EndTaskRun | EndExecution


@dataclass
class _Scope:
    """What one resolution pass needs to know about the execution."""

    flow: Flow
    execution: Execution
    tasks: dict[str, TaskSpec]
    children: dict[tuple[str | None, int | None], dict[str, TaskRun]] = field(default_factory=dict)


def _index(flow: Flow, execution: Execution) -> _Scope:
    scope = _Scope(flow, execution, {t.id: t for t in flow.all_tasks()})
    for run in execution.task_runs:
        key = (run.parent_task_run_id, run.iteration)
        scope.children.setdefault(key, {})[run.task_id] = run
    return scope


def _effective_retry(scope: _Scope, task: TaskSpec, parent: TaskRun | None) -> Retry | None:
    """The task's own retry, else the nearest flowable ancestor's, else the flow's."""
    if task.retry is not None:
        return task.retry
    run = parent
    while run is not None:
        owner = scope.tasks.get(run.task_id)
        if owner is not None and owner.retry is not None:
            return owner.retry
        run = _parent_run(scope.execution, run)
    return scope.flow.retry


def _parent_run(execution: Execution, run: TaskRun) -> TaskRun | None:
    if run.parent_task_run_id is None:
        return None
    return execution.task_run(run.parent_task_run_id)


def _new_run(
    scope: _Scope, task_id: str, parent: TaskRun | None, iteration: int | None, value: str | None
) -> CreateTaskRun:
    task = scope.tasks[task_id]
    run = TaskRun(
        execution_id=scope.execution.id,
        task_id=task_id,
        parent_task_run_id=parent.id if parent else None,
        iteration=iteration,
        value=value,
    )
    return CreateTaskRun(run, task, _effective_retry(scope, task, parent))


def _resolve_list(
    scope: _Scope,
    ids: list[str],
    parent: TaskRun | None,
    iteration: int | None,
    value: str | None,
    concurrency: int,
) -> tuple[list[Action], State | None]:
    """Advance one list of tasks; returns the actions and, once done, its state."""
    runs = scope.children.get((parent.id if parent else None, iteration), {})
    actions: list[Action] = []
    states: list[State] = []
    active = 0
    stopped = False
    for task_id in ids:
        run = runs.get(task_id)
        if run is None:
            if (
                stopped
                or (concurrency == 1 and active)
                or (concurrency > 1 and active >= concurrency)
            ):
                continue
            actions.append(_new_run(scope, task_id, parent, iteration, value))
            active += 1
            continue
        if not run.state.terminal:
            active += 1
            actions.extend(_resolve_flowable(scope, run))
            continue
        states.append(run.state)
        if run.state.failed:
            stopped = True
    if active or actions:
        return actions, None
    if stopped:
        return actions, worst(states)
    if len(states) < len(ids):  # not everything started yet (sequential gaps)
        return actions, None
    return actions, worst(states)


def _resolve_tail(
    scope: _Scope, main: State, errors: list[str], finally_: list[str], parent: TaskRun | None
) -> tuple[list[Action], State | None]:
    """After the main branch: ``errors`` on failure, then ``finally``; the resulting state."""
    if main == State.FAILED and errors:
        value = parent.value if parent else None
        actions, err_state = _resolve_list(scope, errors, parent, None, value, 1)
        if err_state is None:
            return actions, None
    if finally_ and main != State.KILLED:
        value = parent.value if parent else None
        actions, fin_state = _resolve_list(scope, finally_, parent, None, value, 1)
        if fin_state is None:
            return actions, None
        return [], worst([main, fin_state])
    return [], main


def _resolve_flowable(scope: _Scope, run: TaskRun) -> list[Action]:
    """Advance the children of a running flowable; end it when they are done."""
    if run.state != State.RUNNING or run.plan is None:
        return []  # still being planned, or a runnable task in a worker
    plan: dict[str, Any] = run.plan
    branches = plan["branches"]
    limit = plan.get("concurrency", 1)
    actions: list[Action] = []
    states: list[State] = []
    unfinished = 0
    failed = False
    for branch in branches:
        iteration = branch.get("iteration")
        started = bool(scope.children.get((run.id, iteration)))
        if not started and (failed or (limit and unfinished >= limit)):
            continue
        value = branch.get("value") if branch.get("value") is not None else run.value
        got, state = _resolve_list(
            scope, branch["tasks"], run, iteration, value, branch.get("concurrency", 1)
        )
        actions.extend(got)
        if state is None:
            unfinished += 1
        else:
            states.append(state)
            failed = failed or state.failed
    if unfinished or actions:
        return actions
    if not failed and len(states) < len(branches):
        return actions
    tail, state = _resolve_tail(
        scope, worst(states), plan.get("errors", []), plan.get("finally", []), run
    )
    if state is None:
        return tail
    return [EndTaskRun(run.id, scope.tasks[run.task_id].final_state(state))]


def next_actions(flow: Flow, execution: Execution) -> list[Action]:
    """Everything that should happen next for ``execution`` of ``flow``."""
    if execution.state.terminal:
        return []
    scope = _index(flow, execution)
    ids = [t.id for t in flow.tasks if not t.disabled]
    actions, main = _resolve_list(scope, ids, None, None, None, 1)
    if main is None:
        return actions
    errors = [t.id for t in flow.errors if not t.disabled]
    finally_ = [t.id for t in flow.finally_ if not t.disabled]
    tail, state = _resolve_tail(scope, main, errors, finally_, None)
    if state is None:
        return tail
    return [EndExecution(state)]
