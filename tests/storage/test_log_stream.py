"""Reading a log in keyset batches gives every line once, in order, filtered by level."""

from __future__ import annotations

from sqlalchemy import Engine

from hushflow.models.execution import LogEntry
from hushflow.storage.repository import LogRepository


def test_stream_crosses_batches_in_order_and_filters(engine: Engine) -> None:
    repo = LogRepository(engine)
    levels = ["INFO", "ERROR", "DEBUG", "WARN", "INFO", "ERROR", "TRACE"]
    repo.add(
        LogEntry(execution_id="ex1", level=level, message=f"line {i}", task_id="t")
        for i, level in enumerate(levels)
    )
    repo.add([LogEntry(execution_id="other", message="not mine")])
    every = [e.message for e in repo.stream("ex1", batch=2)]
    assert every == [f"line {i}" for i in range(len(levels))]
    warnings = [e.message for e in repo.stream("ex1", min_level="WARN", batch=3)]
    assert warnings == ["line 1", "line 3", "line 5"]
    assert [e.message for e in repo.for_execution("ex1")] == every
    first = next(iter(repo.stream("ex1")))
    assert first.timestamp.tzinfo is not None and first.task_id == "t"
