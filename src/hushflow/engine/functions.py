"""The functions the engine gives expressions: ``secret``, ``errorLogs``, ``currentEachOutput``...

The expression engine is pure; anything that reaches outside it (the secret
store, the execution's logs) comes from this table. ``secret`` registers the
value with the execution's masker before returning it, and refuses a value too
short to be masked rather than let it through in clear.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hushflow.engine.variables import current_each_output
from hushflow.errors import ExpressionError, SecretError, SecretNotFound
from hushflow.models.execution import TaskRun

if TYPE_CHECKING:
    from hushflow.engine.live import Live
    from hushflow.engine.runner import Engine


class FunctionTable(dict[str, Any]):
    """Caller-provided expression functions for one task run of one execution."""

    def __init__(self, engine: Engine, live: Live, run: TaskRun | None) -> None:
        super().__init__()
        self._engine = engine
        self._live = live
        self._run = run
        self["secret"] = self.secret
        self["errorLogs"] = self.error_logs
        self["currentEachOutput"] = self.current_each_output
        self["kv"] = self.kv

    def secret(self, key: str, namespace: str | None = None, subkey: str | None = None) -> str:
        """Resolve a secret from the flow's namespace chain; mask it from now on."""
        manager = self._engine.secrets
        if manager is None:
            raise SecretNotFound(f"Cannot find secret for key '{key}'.")
        from hushflow.secrets import RunRef

        ex = self._live.execution
        ref = RunRef(ex.id, self._run.id if self._run else None, ex.flow_id, ex.namespace)
        value = manager.resolve(ex.namespace, key, subkey, explicit_namespace=namespace, run=ref)
        if not self._live.masker.add(value):
            raise SecretError(
                f"secret '{key}' is shorter than {self._live.masker.min_length} characters: "
                "hushflow will not use a secret it cannot mask; use a longer value"
            )
        return str(value)

    def error_logs(self) -> list[dict[str, Any]]:
        """The ERROR log lines of the execution so far (already masked)."""
        return [
            {"taskId": e.task_id, "message": e.message, "level": e.level,
             "timestamp": e.timestamp.isoformat(), "taskRunId": e.task_run_id}
            for e in self._engine.logs_of(self._live.execution.id)
            if e.level == "ERROR"
        ]  # fmt: skip

    def current_each_output(self, output: Any) -> Any:
        """The part of an output tree that belongs to the current loop iteration."""
        if self._run is None:
            return output
        return current_each_output(self._live.execution, self._run, output)

    def kv(self, key: str, namespace: str | None = None, **_: Any) -> Any:
        """The KV store is not built yet: say so clearly."""
        raise ExpressionError(f"kv('{key}'): the KV store is not available in this version")

    def subflow_runner(self) -> Any:
        """A callable that starts a child execution from this task run."""
        from hushflow.engine.subflows import SubflowLauncher

        return SubflowLauncher(self._engine, self._live, self._run.task_id if self._run else "")
