"""Starting a child execution from a ``Subflow`` task, and waiting for it.

The child gets a fork of the parent's masker, so a secret resolved by the
parent is masked in the child's logs and outputs too. While the parent's task
waits, it gives its worker slot back, so a chain of subflows cannot starve
the pool.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hushflow.engine.registration import register_rendered
from hushflow.engine.variables import execution_variables
from hushflow.expressions import render_data

if TYPE_CHECKING:
    from hushflow.engine.live import Live
    from hushflow.engine.runner import Engine
    from hushflow.models.execution import Execution

CORRELATION = "system.correlationId"


class SubflowLauncher:
    """Callable handed to a task's context as ``run_subflow``."""

    def __init__(self, engine: Engine, live: Live, task_id: str) -> None:
        self._engine = engine
        self._live = live
        self._task_id = task_id

    def __call__(
        self,
        namespace: str,
        flow_id: str,
        inputs: dict[str, Any],
        labels: dict[str, str],
        wait: bool,
        extract: dict[str, Any] | None = None,
        inherit_labels: bool = False,
    ) -> dict[str, Any]:
        flow, revision = self._engine.load_flow(namespace, flow_id)
        parent = self._live.execution
        inherited = dict(parent.labels) if inherit_labels else {}
        labels = {**inherited, **labels, CORRELATION: parent.labels.get(CORRELATION, parent.id)}
        child = self._engine.submit(
            flow,
            inputs,
            revision=revision,
            labels=labels,
            parent=parent,
            masker=self._live.masker.fork(),
            trigger={
                "id": self._task_id,
                "type": "io.kestra.plugin.core.flow.Subflow",
                "variables": {
                    "executionId": parent.id,
                    "namespace": parent.namespace,
                    "flowId": parent.flow_id,
                    "flowRevision": parent.flow_revision,
                },
            },
        )
        if not wait:
            return {"executionId": child.id}
        self._engine.release_slot()
        try:
            done = self._engine.wait(child.id)
        finally:
            self._engine.take_slot()
        outputs = self._extract(done, extract) if extract else (done.outputs or {})
        return {"executionId": done.id, "state": done.state.value, "outputs": outputs}

    def _extract(self, child: Execution, extract: dict[str, Any]) -> Any:
        """Render ``extract`` against the child's task outputs (already masked)."""
        flow, _ = self._engine.load_flow(child.namespace, child.flow_id)
        variables = execution_variables(flow, child, child.inputs, self._engine.globals)
        rendered = render_data(extract, variables)
        register_rendered(self._live.masker, rendered.tainted, rendered.value)
        return self._live.masker.mask_value(rendered.value)
