"""Restarting a failed execution from where it failed (a pure plan of changes).

The failed runnable task runs are removed so the executor creates them anew;
their failed flowable ancestors go back to RUNNING, so they resolve their
children again; task runs of ``errors`` and ``finally`` branches that ran
because of the failure are removed too. What succeeded keeps its outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hushflow.errors import HushflowError
from hushflow.models.execution import Execution, TaskRun
from hushflow.models.flow import Flow
from hushflow.models.state import State

RESTARTABLE = (State.FAILED, State.KILLED)


@dataclass
class RestartPlan:
    """Which task runs to drop and which flowable runs to reopen."""

    drop: set[str] = field(default_factory=set)
    reopen: list[TaskRun] = field(default_factory=list)


def _branch_ids(flow: Flow) -> set[str]:
    """Ids of every task that sits in an ``errors`` or ``finally`` list."""
    ids: set[str] = set()
    roots = [*flow.errors, *flow.finally_]
    for task in flow.all_tasks():
        for name, children in task.child_lists().items():
            if name in ("errors", "finally_"):
                roots.extend(children)
    for task in roots:
        ids.add(task.id)
        for children in task.child_lists().values():
            stack = list(children)
            while stack:
                child = stack.pop()
                ids.add(child.id)
                for more in child.child_lists().values():
                    stack.extend(more)
    return ids


def plan_restart(flow: Flow, execution: Execution) -> RestartPlan:
    """What to change so that running ``execution`` again resumes at its failures."""
    if execution.state not in RESTARTABLE:
        raise HushflowError(
            f"execution {execution.id} is {execution.state.value}; only FAILED or KILLED "
            "executions can be restarted"
        )
    by_id = {r.id: r for r in execution.task_runs}
    children: dict[str | None, list[TaskRun]] = {}
    for run in execution.task_runs:
        children.setdefault(run.parent_task_run_id, []).append(run)
    plan = RestartPlan()

    def drop_tree(run: TaskRun) -> None:
        plan.drop.add(run.id)
        for child in children.get(run.id, []):
            drop_tree(child)

    branch = _branch_ids(flow)
    for run in execution.task_runs:
        if run.task_id in branch or (run.state in RESTARTABLE and not children.get(run.id)):
            drop_tree(run)
    for run_id in list(plan.drop):
        parent = by_id.get(by_id[run_id].parent_task_run_id or "")
        while parent is not None and parent.id not in plan.drop:
            if parent.state.terminal and parent not in plan.reopen:
                plan.reopen.append(parent)
            parent = by_id.get(parent.parent_task_run_id or "")
    return plan
