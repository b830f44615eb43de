"""The variables an expression sees while a task runs, shaped as Kestra's.

``flow``, ``execution``, ``task``, ``taskrun`` (with ``value`` inside a
ForEach), ``parent``/``parents``, ``inputs``, ``outputs`` (a tree keyed by task
id, then by the values of the enclosing loops), ``vars``, ``labels``, ``envs``
and ``globals``. Everything here is read from the execution, which holds only
masked data, plus the execution's inputs (a SECRET input arrives tainted).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from hushflow.engine.sealed_outputs import overlay
from hushflow.expressions import taint
from hushflow.expressions.dates import instant_text
from hushflow.models.execution import Execution, TaskRun
from hushflow.models.flow import Flow
from hushflow.models.task import TaskSpec

ENV_PREFIX = "KESTRA_"


def _ancestors(execution: Execution, run: TaskRun) -> list[TaskRun]:
    """The parent task runs of ``run``, nearest first."""
    out = []
    by_id = {r.id: r for r in execution.task_runs}
    current = by_id.get(run.parent_task_run_id or "")
    while current is not None:
        out.append(current)
        current = by_id.get(current.parent_task_run_id or "")
    return out


def loop_values(execution: Execution, run: TaskRun) -> list[str]:
    """The iteration values of the loops around ``run``, outermost first."""
    chain = [r for r in [run, *_ancestors(execution, run)] if r.iteration is not None]
    return [r.value or "" for r in reversed(chain)]


def outputs_tree(
    execution: Execution, sealed: Mapping[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """``outputs.<task id>`` or, inside loops, ``outputs.<task id>.<value>...``.

    ``sealed`` holds secret outputs in clear by task run id: each is put in
    at its place, tainted, over the mask token the run stored.
    """
    tree: dict[str, Any] = {}
    for run in execution.task_runs:
        outputs = run.outputs
        if sealed and run.id in sealed:
            outputs = overlay(outputs, sealed[run.id], taint)
        if outputs is None:
            continue
        values = loop_values(execution, run)
        if not values:
            tree[run.task_id] = outputs
            continue
        node = tree.setdefault(run.task_id, {})
        for value in values[:-1]:
            node = node.setdefault(value, {})
        node[values[-1]] = outputs
    return tree


def envs(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``KESTRA_FOO_BAR`` -> ``envs.foo_bar``, as Kestra exposes them."""
    environ = os.environ if environ is None else environ
    return {k[len(ENV_PREFIX) :].lower(): v for k, v in environ.items() if k.startswith(ENV_PREFIX)}


def execution_variables(
    flow: Flow,
    execution: Execution,
    inputs: Mapping[str, Any],
    globals_: Mapping[str, Any],
    sealed: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """What every expression of the execution sees (no task-specific parts)."""
    out = {
        "flow": {
            "id": flow.id,
            "namespace": flow.namespace,
            "revision": execution.flow_revision,
            "tenantId": None,
        },
        "execution": {
            "id": execution.id,
            "startDate": instant_text(execution.created),
            "state": execution.state.value,
            "originalId": execution.id,
        },
        "outputs": outputs_tree(execution, sealed),
        "vars": flow.variables,
        "labels": _nested_labels(execution.labels),
        "envs": envs(),
        "globals": dict(globals_),
    }
    if flow.inputs:  # as in Kestra, a flow without inputs has no `inputs` variable
        out["inputs"] = dict(inputs)
    if execution.trigger:
        out["trigger"] = dict(execution.trigger.get("variables") or {})
    return out


def set_dotted(out: dict[str, Any], key: str, value: Any) -> None:
    """Set ``out[key]`` and, for a dotted key, the nested path too (``a.b`` -> ``out.a.b``).

    Kestra exposes dotted input ids and labels both ways: ``inputs['nested.x']``
    and ``inputs.nested.x``.
    """
    out[key] = value
    if "." not in key:
        return
    node = out
    *heads, last = key.split(".")
    for head in heads:
        nxt = node.get(head)
        if not isinstance(nxt, dict):
            nxt = {}
            node[head] = nxt
        node = nxt
    node[last] = value


def _nested_labels(labels: Mapping[str, str]) -> dict[str, Any]:
    """``system.correlationId`` is readable as ``labels.system.correlationId`` too."""
    out: dict[str, Any] = {}
    for key, value in labels.items():
        set_dotted(out, key, value)
    return out


def task_variables(
    base: Mapping[str, Any], execution: Execution, task: TaskSpec, run: TaskRun, attempt: int
) -> dict[str, Any]:
    """``base`` plus ``task``, ``taskrun``, ``parent`` and ``parents`` for one run."""
    parents = [
        {"taskrun": {"value": p.value, "id": p.id}, "task": {"id": p.task_id}}
        for p in _ancestors(execution, run)
        if p.value is not None
    ]
    out = dict(base)
    out["task"] = {"id": task.id, "type": task.type}
    out["taskrun"] = {
        "id": run.id,
        "startDate": instant_text(run.start_date),
        "attemptsCount": attempt,
        "parentId": run.parent_task_run_id,
        "value": run.value,
    }
    if parents:
        out["parents"] = parents
        out["parent"] = parents[0]
    return out


def current_each_output(execution: Execution, run: TaskRun, output: Any) -> Any:
    """Descend an output tree by the current loop values (Kestra's currentEachOutput)."""
    for value in loop_values(execution, run):
        if isinstance(output, dict) and value in output:
            output = output[value]
        else:
            break
    return output
