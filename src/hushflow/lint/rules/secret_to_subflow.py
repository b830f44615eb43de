"""secret-to-subflow: a secret passed to a subflow input that is not of type SECRET.

The child stores an input of any other type in clear with its execution. When
the child flow is known (``flow lint`` of several files, or the API with its
repository) the input's declared type decides; otherwise the finding is of
medium confidence.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.document import Task
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule
from hushflow.lint.rules._common import describe, unique
from hushflow.lint.task_kinds import Kind


def _child_inputs(ctx: RuleContext, task: Task) -> dict[str, str] | None:
    if ctx.subflows is None:
        return None
    namespace, flow_id = task.prop("namespace"), task.prop("flowId")
    if not isinstance(namespace, yaml.ScalarNode) or not isinstance(flow_id, yaml.ScalarNode):
        return None
    found = ctx.subflows.input_types(str(namespace.value), str(flow_id.value))
    return dict(found) if found is not None else None


def check(ctx: RuleContext) -> Iterator[Hit]:
    for task in ctx.doc.tasks:
        if task.kind is not Kind.SUBFLOW:
            continue
        types = _child_inputs(ctx, task)
        for site in ctx.doc.task_sites(task):
            if site.prop_name != "inputs" or len(site.prop) < 2:
                continue
            name = str(site.prop[1])
            declared = types.get(name) if types is not None else None
            if declared == "SECRET":
                continue
            sure = Confidence.HIGH if types is not None else Confidence.MEDIUM
            kind = f"of type {declared}" if declared else "whose type is not known to be SECRET"
            for trace in unique(ctx.facts(site).printed):
                yield ctx.hit(
                    f"{describe(trace)} is passed to subflow input '{name}' {kind}; the child "
                    "stores it in clear with its execution: declare the input as type SECRET",
                    site,
                    trace.pos,
                    sure,
                )


RULE = Rule(
    "secret-to-subflow",
    Severity.WARNING,
    Confidence.HIGH,
    "a secret passed to a subflow input that is not SECRET",
    check,
)
