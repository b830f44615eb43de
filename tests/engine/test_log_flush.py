"""Log lines of a task still running are stored within moments, not only when the task ends."""

from __future__ import annotations

import time

from sqlalchemy import Engine as Database

from hushflow.engine.runner import Engine
from hushflow.models import parse_flow

LONG = """\
id: long
namespace: t
tasks:
  - id: talk
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo first-line
      - sleep 60
"""


def test_a_running_tasks_lines_reach_the_database_before_it_ends(database: Database) -> None:
    engine = Engine(database)
    try:
        flow = parse_flow(LONG)
        engine.flows.save(flow.namespace, flow.id, LONG)
        execution = engine.submit(flow, {})
        deadline = time.monotonic() + 60
        stored: list[str] = []
        while time.monotonic() < deadline:
            # What another process (or the next start after a crash) would read.
            stored = [e.message for e in engine.logs.for_execution(execution.id)]
            if any("first-line" in m for m in stored):
                break
            time.sleep(0.1)
        assert any("first-line" in m for m in stored)
        assert engine.executions.get(execution.id).state.value == "RUNNING"
        engine.kill(execution.id)
        engine.wait(execution.id, timeout=60)
        lines = [e.message for e in engine.logs.for_execution(execution.id)]
        assert sum("first-line" in m for m in lines) == 1  # written once, not again at the end
    finally:
        engine.close()
