"""Repositories on both backends: flow revisions, executions with task runs, logs."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from hushflow.errors import NotFound
from hushflow.models import Execution, LogEntry, State, TaskRun
from hushflow.storage.repository import ExecutionRepository, FlowRepository, LogRepository


def test_a_new_revision_only_when_the_source_changes(engine: Engine) -> None:
    repo = FlowRepository(engine)
    first, status = repo.save("company.team", "f", "id: f\n")
    assert (first.revision, status) == (1, "created")
    assert repo.save("company.team", "f", "id: f\n")[1] == "unchanged"
    second, status = repo.save("company.team", "f", "id: f\n# changed\n")
    assert (second.revision, status) == (2, "updated")
    assert repo.get("company.team", "f").revision == 2
    assert repo.get("company.team", "f", 1).source == "id: f\n"
    repo.save("company.other", "g", "id: g\n")
    assert [(s.namespace, s.id, s.revision) for s in repo.list("company")] == [
        ("company.other", "g", 1),
        ("company.team", "f", 2),
    ]
    with pytest.raises(NotFound, match="deploy it first"):
        repo.get("company.team", "missing")


def test_executions_round_trip_with_task_runs_in_order(engine: Engine) -> None:
    repo = ExecutionRepository(engine)
    ex = Execution(namespace="t", flow_id="f", inputs={"n": 1}, labels={"a": "b"})
    repo.create(ex)
    runs = [
        TaskRun(execution_id=ex.id, task_id=f"t{i}", value=str(i), iteration=i) for i in range(3)
    ]
    ex.task_runs.extend(runs)
    runs[1].set_state(State.RUNNING)
    repo.save_many([(ex, runs)])
    runs[1].set_state(State.SUCCESS)
    runs[1].outputs = {"value": "done"}
    ex.set_state(State.SUCCESS)
    repo.save_many([(ex, [runs[1]])])
    got = repo.get(ex.id)
    assert got.state == State.SUCCESS
    assert [(r.task_id, r.value, r.iteration) for r in got.task_runs] == [
        ("t0", "0", 0),
        ("t1", "1", 1),
        ("t2", "2", 2),
    ]
    assert got.task_runs[1].outputs == {"value": "done"}
    assert [h.state for h in got.task_runs[1].state_history] == [
        State.CREATED,
        State.RUNNING,
        State.SUCCESS,
    ]
    assert got.created.tzinfo is not None
    assert [e.id for e in repo.list(namespace="t")] == [ex.id]


def test_logs_keep_their_order_and_filter_by_level(engine: Engine) -> None:
    repo = LogRepository(engine)
    entries = [
        LogEntry(execution_id="x", level=level, message=f"m{i}")
        for i, level in enumerate(["INFO", "DEBUG", "ERROR"])
    ]
    repo.add(entries)
    assert [e.message for e in repo.for_execution("x")] == ["m0", "m1", "m2"]
    assert [e.message for e in repo.for_execution("x", min_level="INFO")] == ["m0", "m2"]
