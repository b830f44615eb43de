"""The executor as a pure state machine, stepped one call at a time (no threads, no sleeps).

Each test plays the worker by hand: it applies the actions, decides each task
run's outcome, and checks what the executor asks for next.
"""

from __future__ import annotations

import textwrap

from hushflow.engine.executor import CreateTaskRun, EndExecution, EndTaskRun, next_actions
from hushflow.models import Execution, Flow, State, parse_flow


def make(body: str) -> tuple[Flow, Execution]:
    flow = parse_flow("id: f\nnamespace: t\n" + textwrap.dedent(body))
    ex = Execution(namespace="t", flow_id="f")
    ex.set_state(State.RUNNING)
    return flow, ex


def step(flow: Flow, ex: Execution) -> list[str]:
    """Apply the next actions; return the ids of the task runs it created."""
    created = []
    for action in next_actions(flow, ex):
        if isinstance(action, CreateTaskRun):
            ex.task_runs.append(action.task_run)
            created.append(action.task_run.task_id)
        elif isinstance(action, EndTaskRun):
            ex.task_run(action.task_run_id).set_state(action.state)
        elif isinstance(action, EndExecution):
            ex.set_state(action.state)
    return created


def settle(flow: Flow, ex: Execution) -> list[str]:
    """Step until the executor has nothing more to do right now (as the runner does)."""
    created: list[str] = []
    while next_actions(flow, ex):
        created += step(flow, ex)
    return created


def finish(
    ex: Execution, task_id: str, state: State = State.SUCCESS, plan: dict | None = None
) -> None:
    """Play the worker: end (or, with a plan, start) the newest run of ``task_id``."""
    run = [r for r in ex.task_runs if r.task_id == task_id][-1]
    if plan is not None:
        run.plan = plan
        run.set_state(State.RUNNING)
    else:
        run.set_state(state)


LOG = "    type: io.kestra.plugin.core.log.Log\n    message: m\n"


def test_sequential_tasks_start_one_after_another_and_end_the_execution() -> None:
    flow, ex = make("tasks:\n  - id: a\n" + LOG + "  - id: b\n" + LOG)
    assert step(flow, ex) == ["a"]
    assert step(flow, ex) == []  # a is still running
    finish(ex, "a")
    assert step(flow, ex) == ["b"]
    finish(ex, "b")
    step(flow, ex)
    assert ex.state == State.SUCCESS


def test_a_failure_stops_the_list_and_runs_errors_then_finally() -> None:
    flow, ex = make(
        "tasks:\n  - id: a\n" + LOG + "  - id: b\n" + LOG
        + "errors:\n  - id: e\n" + LOG + "finally:\n  - id: z\n" + LOG
    )  # fmt: skip
    step(flow, ex)
    finish(ex, "a", State.FAILED)
    assert step(flow, ex) == ["e"]
    finish(ex, "e")
    assert step(flow, ex) == ["z"]
    finish(ex, "z")
    step(flow, ex)
    assert ex.state == State.FAILED
    assert "b" not in [r.task_id for r in ex.task_runs]


def test_parallel_starts_children_up_to_its_concurrency() -> None:
    flow, ex = make(
        """\
        tasks:
          - id: p
            type: io.kestra.plugin.core.flow.Parallel
            concurrent: 2
            tasks:
              - {id: a, type: io.kestra.plugin.core.log.Log, message: m}
              - {id: b, type: io.kestra.plugin.core.log.Log, message: m}
              - {id: c, type: io.kestra.plugin.core.log.Log, message: m}
        """
    )
    assert step(flow, ex) == ["p"]
    finish(
        ex,
        "p",
        plan={"branches": [{"tasks": ["a", "b", "c"], "iteration": None, "concurrency": 2}]},
    )
    assert step(flow, ex) == ["a", "b"]
    finish(ex, "b")
    assert step(flow, ex) == ["c"]
    finish(ex, "a")
    finish(ex, "c")
    step(flow, ex)
    assert [r.state for r in ex.task_runs if r.task_id == "p"] == [State.SUCCESS]
    step(flow, ex)
    assert ex.state == State.SUCCESS


def test_foreach_branches_respect_the_concurrency_limit_and_carry_their_value() -> None:
    flow, ex = make(
        """\
        tasks:
          - id: each
            type: io.kestra.plugin.core.flow.ForEach
            values: [x, y]
            tasks:
              - {id: a, type: io.kestra.plugin.core.log.Log, message: m}
        """
    )
    step(flow, ex)
    branches = [
        {"tasks": ["a"], "iteration": 0, "value": "x", "concurrency": 1},
        {"tasks": ["a"], "iteration": 1, "value": "y", "concurrency": 1},
    ]
    finish(ex, "each", plan={"branches": branches, "concurrency": 1})
    assert step(flow, ex) == ["a"]
    assert ex.task_runs[-1].value == "x"
    finish(ex, "a")
    assert step(flow, ex) == ["a"]
    assert ex.task_runs[-1].value == "y"
    finish(ex, "a", State.WARNING)
    step(flow, ex)
    step(flow, ex)
    assert ex.state == State.WARNING


def test_allow_failure_turns_a_failed_flowable_into_a_warning() -> None:
    flow, ex = make(
        """\
        tasks:
          - id: seq
            type: io.kestra.plugin.core.flow.Sequential
            allowFailure: true
            tasks:
              - {id: fail, type: io.kestra.plugin.core.execution.Fail}
              - {id: never, type: io.kestra.plugin.core.log.Log, message: m}
          - {id: after, type: io.kestra.plugin.core.log.Log, message: m}
        """
    )
    step(flow, ex)
    finish(ex, "seq", plan={"branches": [{"tasks": ["fail", "never"], "iteration": None}]})
    assert step(flow, ex) == ["fail"]
    finish(ex, "fail", State.FAILED)
    assert settle(flow, ex) == ["after"]
    assert [r.state for r in ex.task_runs if r.task_id == "seq"] == [State.WARNING]
    finish(ex, "after")
    step(flow, ex)
    assert ex.state == State.WARNING
    assert "never" not in [r.task_id for r in ex.task_runs]


def test_disabled_tasks_get_no_task_run() -> None:
    flow, ex = make("tasks:\n  - id: a\n    disabled: true\n" + LOG + "  - id: b\n" + LOG)
    assert step(flow, ex) == ["b"]


def test_retry_is_inherited_from_the_flowable_then_the_flow() -> None:
    flow, ex = make(
        """\
        retry: {type: constant, maxAttempt: 4, interval: PT1S}
        tasks:
          - id: seq
            type: io.kestra.plugin.core.flow.Sequential
            retry: {type: constant, maxAttempt: 3, interval: PT1S}
            tasks:
              - {id: child, type: io.kestra.plugin.core.execution.Fail}
          - {id: other, type: io.kestra.plugin.core.execution.Fail}
        """
    )
    next_actions(flow, ex)
    [create] = next_actions(flow, ex)
    assert isinstance(create, CreateTaskRun)
    ex.task_runs.append(create.task_run)
    finish(ex, "seq", plan={"branches": [{"tasks": ["child"], "iteration": None}]})
    [child] = next_actions(flow, ex)
    assert isinstance(child, CreateTaskRun) and child.retry is not None
    assert child.retry.max_attempts == 3
    ex.task_runs.append(child.task_run)
    finish(ex, "child")
    step(flow, ex)
    [other] = next_actions(flow, ex)
    assert isinstance(other, CreateTaskRun) and other.retry is not None
    assert other.retry.max_attempts == 4


def test_a_terminal_execution_asks_for_nothing() -> None:
    flow, ex = make("tasks:\n  - id: a\n" + LOG)
    ex.set_state(State.KILLED)
    assert next_actions(flow, ex) == []
