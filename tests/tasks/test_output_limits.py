"""A ``::{...}::`` line has a documented maximum: past it the task fails clearly, nothing floods the log."""

from __future__ import annotations

from hushflow.models.state import State
from hushflow.tasks.process import MAX_DIRECTIVE, MAX_LINE
from tests.tasks.task_helpers import FlowRunner


def _flow(size: int) -> str:
    return f"""
        id: big
        namespace: t
        tasks:
          - id: emit
            type: io.kestra.plugin.scripts.python.Script
            script: |
              import json
              print("before")
              print("::" + json.dumps({{"outputs": {{"blob": "x" * {size}}}}}) + "::")
              print("after")
          - id: next
            type: io.kestra.plugin.core.log.Log
            message: "blob of {{{{ outputs.emit.vars.blob | length }}}}"
        """


def test_an_outputs_line_longer_than_a_log_line_is_still_read_whole(run_flow: FlowRunner) -> None:
    size = MAX_LINE * 3
    run = run_flow(_flow(size))
    assert run.execution.state == State.SUCCESS, run.task("emit").error
    assert f"blob of {size}" in run.messages("next")
    assert all(len(m) < 1000 for m in run.messages("emit"))  # no piece of it was logged


def test_an_outputs_line_over_the_limit_fails_the_task_with_a_clear_error(
    run_flow: FlowRunner,
) -> None:
    run = run_flow(_flow(MAX_DIRECTIVE * 3))
    assert run.execution.state == State.FAILED
    error = run.task("emit").error or ""
    assert f"over the limit of {MAX_DIRECTIVE:,}" in error
    assert "outputFiles" in error
    assert [m[:300] for m in run.messages() if len(m) >= 1000] == []
    assert [r.task_id for r in run.execution.task_runs] == ["emit"]
