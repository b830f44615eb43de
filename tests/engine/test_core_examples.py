"""Every core example under ``examples/`` runs and ends as its description says."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.engine.conftest import Runner

from hushflow.models import State

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
pytestmark = pytest.mark.usefixtures("db_url")


def example(name: str) -> str:
    return (EXAMPLES / name).read_text()


def outputs(run: object, task_id: str) -> list[dict[str, object]]:
    return [r.outputs or {} for r in run.execution.task_runs if r.task_id == task_id]  # type: ignore[attr-defined]


def test_log(run_flow: Runner) -> None:
    run = run_flow(example("core-log.yml"))
    assert run.execution.state == State.SUCCESS
    assert [(e.task_id, e.level, e.message) for e in run.logs] == [
        ("info", "INFO", "Running core-log in examples.core"),
        ("several", "WARN", "first line"),
        ("several", "WARN", "second line"),
    ]


def test_return(run_flow: Runner) -> None:
    run = run_flow(example("core-return.yml"))
    assert outputs(run, "reuse") == [{"value": "sorted: 1,2,3"}]


def test_output_values_and_typed_flow_outputs(run_flow: Runner) -> None:
    run = run_flow(example("core-output-values.yml"))
    assert run.execution.outputs == {"count": 42, "all": {"count": 42, "name": "hushflow"}}


def test_fail_runs_the_errors_branch(run_flow: Runner) -> None:
    run = run_flow(example("core-fail.yml"))
    assert run.execution.state == State.FAILED
    assert [r.task_id for r in run.execution.task_runs] == ["check", "report"]
    assert "check: limit 5 is above 3" in run.messages


def test_sequential_with_finally(run_flow: Runner) -> None:
    run = run_flow(example("core-sequential.yml"))
    assert run.execution.state == State.SUCCESS
    assert outputs(run, "two") == [{"value": "one then two"}]
    assert "always runs" in run.messages


def test_parallel(run_flow: Runner) -> None:
    run = run_flow(example("core-parallel.yml"))
    assert run.execution.state == State.SUCCESS
    assert sorted(r.task_id for r in run.execution.task_runs) == ["a", "b", "c", "fan-out"]


def test_if(run_flow: Runner) -> None:
    big = run_flow(example("core-if.yml"))
    assert outputs(big, "big-branch") == [{"value": "big"}] and outputs(big, "small-branch") == []
    small = run_flow(example("core-if.yml"), inputs={"size": "3"})
    assert outputs(small, "small-branch") == [{"value": "small"}]


def test_switch(run_flow: Runner) -> None:
    run = run_flow(example("core-switch.yml"))
    assert outputs(run, "route") == [{"value": "prod", "defaults": False}]
    assert outputs(run, "to-prod") == [{"value": "prod"}]
    other = run_flow(example("core-switch.yml"), inputs={"env": "test"})
    assert outputs(other, "fallback") == [{"value": "other"}]


def test_foreach(run_flow: Runner) -> None:
    run = run_flow(example("core-foreach.yml"))
    assert outputs(run, "summary") == [{"value": "deploy to eu / deploy to us"}]


def test_subflow(run_flow: Runner) -> None:
    run = run_flow(example("core-subflow.yml"), deploy=[example("core-subflow-child.yml")])
    assert run.execution.state == State.SUCCESS
    assert "child said: hello world" in run.messages


def test_sleep_and_pause(run_flow: Runner) -> None:
    run = run_flow(example("core-sleep-pause.yml"))
    assert run.execution.state == State.SUCCESS
    assert outputs(run, "hold") == [{"resumed": False}]


def test_retry_then_allow_failure(run_flow: Runner) -> None:
    run = run_flow(example("core-retry-allow-failure.yml"))
    assert run.execution.state == State.WARNING
    flaky = run.execution.task_runs[0]
    assert flaky.state == State.WARNING and len(flaky.attempts) == 3
    assert "still running" in run.messages
