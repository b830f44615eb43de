"""A flow that calls itself stops at the subflow depth limit with a clear error, not RUNNING for ever."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine as Database

from hushflow.engine.runner import MAX_SUBFLOW_DEPTH, Engine
from hushflow.models import parse_flow
from hushflow.models.state import State

RECURSIVE = """\
id: again
namespace: loops
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: loops
    flowId: again
    wait: true
    transmitFailed: true
"""


def _run(database: Database, depth: int) -> tuple[Engine, str]:
    engine = Engine(database, max_subflow_depth=depth)
    flow = parse_flow(RECURSIVE)
    engine.flows.save(flow.namespace, flow.id, RECURSIVE)
    return engine, engine.submit(flow, {}).id


def test_a_self_calling_flow_fails_at_the_limit_and_every_level_ends(database: Database) -> None:
    engine, root = _run(database, depth=5)
    try:
        done = engine.wait(root, timeout=120)
        assert done.state == State.FAILED
        everything = engine.executions.list()
        assert len(everything) == 6  # the root and five nested children
        assert {e.state for e in everything} == {State.FAILED}
        errors = [
            r.error or ""
            for e in everything
            for r in engine.executions.get(e.id).task_runs
            if r.error and "nested" in r.error
        ]
        assert len(errors) == 1
        assert "over the limit of 5" in errors[0]
        assert "HUSHFLOW_MAX_SUBFLOW_DEPTH" in errors[0]
    finally:
        engine.close()


def test_the_default_limit_is_well_under_the_worker_pool(database: Database) -> None:
    assert 1 <= MAX_SUBFLOW_DEPTH < 64  # a deeper chain would hold every worker thread


def test_the_cli_reads_the_limit_and_refuses_a_bad_value(tmp_path: Path) -> None:
    flow = tmp_path / "again.yml"
    flow.write_text(RECURSIVE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUSHFLOW_")}
    env["HUSHFLOW_HOME"] = str(tmp_path / "home")

    def run(limit: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hushflow", "flow", "run", str(flow)],
            env={**env, "HUSHFLOW_MAX_SUBFLOW_DEPTH": limit},
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip

    result = run("3")
    assert result.returncode == 1, result.stderr
    assert "over the limit of 3" in result.stdout + result.stderr
    bad = run("zero")
    assert bad.returncode == 2
    assert "HUSHFLOW_MAX_SUBFLOW_DEPTH must be a whole number" in bad.stderr
    assert "Traceback" not in bad.stderr
