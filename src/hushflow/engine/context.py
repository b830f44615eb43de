"""The engine's ``RunContext``: rendering, secrets, logging and masking for one attempt.

Every rendered value is produced by the expression engine together with the
tainted fragments that went into it; those are registered with the
execution's masker *before* the value is returned (invariant 2), so whatever
the task does with it afterwards (log it, return it, print it from a script)
is masked on its way out.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hushflow.engine.registration import register_rendered
from hushflow.expressions import render_data, render_typed, truthy
from hushflow.masking import Masker, MaskStream
from hushflow.models.levels import passes
from hushflow.models.task import TaskSpec
from hushflow.tasks.context import as_text
from hushflow.tasks.scratch import scratch_dir

LogSink = Callable[[str, str, str | None, int], None]


class EngineRunContext:
    """One attempt of one task run, as the task sees it."""

    def __init__(
        self,
        *,
        task: TaskSpec,
        task_run_id: str,
        execution_id: str,
        attempt: int,
        variables: Mapping[str, Any],
        functions: Mapping[str, Callable[..., Any]],
        masker: Masker,
        log_sink: LogSink,
        cancelled: threading.Event,
        killed: threading.Event | None = None,
        subflow_runner: Callable[..., dict[str, Any]] | None = None,
        pauser: Callable[[float | None], bool] | None = None,
        on_cleanup: Callable[[threading.Event], None] | None = None,
    ) -> None:
        self.task = task
        self.task_run_id = task_run_id
        self.execution_id = execution_id
        self.attempt = attempt
        self.cancelled = cancelled
        #: the execution's own kill switch (``cancelled`` is this attempt's: kill or timeout)
        self.killed = killed or cancelled
        self._variables = variables
        self._functions = functions
        self._masker = masker
        self._log_sink = log_sink
        self._subflow_runner = subflow_runner
        self._pauser = pauser
        self._on_cleanup = on_cleanup
        self._workdir: Path | None = None
        #: Whether any render of this attempt used a secret (a flowable's plan
        #: built from such a render keeps all its iteration values secret).
        self.tainted_seen = False

    def render(self, value: Any) -> Any:
        """Render every expression in ``value``; tainted parts are registered first."""
        result = render_data(value, self._variables, functions=self._functions)
        self._register(result.tainted, result.value)
        return result.value

    def render_text(self, template: Any) -> str:
        """Render to text: None is '', lists and maps are compact JSON."""
        if template is None:
            return ""
        if not isinstance(template, str):
            return as_text(self.render(template))
        result = render_typed(template, self._variables, functions=self._functions)
        self._register(result.tainted, result.text)
        return result.text

    def _register(self, tainted: frozenset[str], value: Any) -> None:
        if tainted:
            self.tainted_seen = True
            register_rendered(self._masker, tainted, value)

    def truthy(self, value: Any) -> bool:
        return truthy(value)

    def log(self, level: str, message: str) -> None:
        """Masked, then handed to the sink; lines under the task's ``logLevel`` are dropped."""
        level = level.upper()
        if self.task.log_level and not passes(level, self.task.log_level):
            return
        self._log_sink(level, self._masker.mask(message), self.task_run_id, self.attempt)

    def mask(self, text: str) -> str:
        return self._masker.mask(text)

    def mask_stream(self) -> MaskStream:
        return self._masker.stream()

    def register_secret(self, value: str) -> None:
        self._masker.add(value)

    def workdir(self) -> Path:
        if self._workdir is None:
            self._workdir = scratch_dir(f"hushflow-{self.task.id}-")
            self._workdir.chmod(0o700)
        return self._workdir

    def variables(self) -> Mapping[str, Any]:
        return self._variables

    def run_subflow(
        self,
        namespace: str,
        flow_id: str,
        inputs: dict[str, Any],
        labels: dict[str, str],
        wait: bool,
        extract: dict[str, Any] | None = None,
        inherit_labels: bool = False,
    ) -> dict[str, Any]:
        if self._subflow_runner is None:
            raise RuntimeError("subflows are not available in this context")
        return self._subflow_runner(
            namespace, flow_id, inputs, labels, wait, extract, inherit_labels
        )

    def pause(self, seconds: float | None) -> bool:
        """Pause this task run until resumed (True) or ``seconds`` pass (False)."""
        if self._pauser is None:
            raise RuntimeError("pausing is not available in this context")
        return self._pauser(seconds)

    def cleanup(self) -> None:
        """Remove the working folder, if one was made, and forget this attempt's cancel event."""
        if self._on_cleanup is not None:
            self._on_cleanup(self.cancelled)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
