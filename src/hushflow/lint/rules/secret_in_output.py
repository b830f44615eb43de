"""secret-in-output: a secret reaching OutputValues, Return, or a flow output not of type SECRET."""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.document import FlowDoc, Site
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule
from hushflow.lint.rules._common import describe, owner, unique
from hushflow.lint.task_kinds import OUTPUTS


def _flow_output_type(doc: FlowDoc, index: int) -> str:
    for key, value in doc.root.value:
        if key.value != "outputs" or not isinstance(value, yaml.SequenceNode):
            continue
        if 0 <= index < len(value.value) and isinstance(value.value[index], yaml.MappingNode):
            fields = {k.value: v.value for k, v in value.value[index].value}
            kind = fields.get("type", "STRING")
            return kind if isinstance(kind, str) else "STRING"
    return "STRING"


def _target(doc: FlowDoc, site: Site) -> str | None:
    task = site.task
    if task is not None:
        return owner(site) if site.prop_name in OUTPUTS.get(task.kind, ()) else None
    path = site.path
    if site.section == "outputs" and len(path) > 2 and path[2] == "value":
        index = path[1] if isinstance(path[1], int) else -1
        if _flow_output_type(doc, index) != "SECRET":
            return f"flow output #{index + 1} (not of type SECRET)"
    return None


def check(ctx: RuleContext) -> Iterator[Hit]:
    for site in ctx.doc.expressions:
        target = _target(ctx.doc, site)
        if target is None:
            continue
        for trace in unique(ctx.facts(site).printed):
            yield ctx.hit(
                f"{describe(trace)} becomes an output of {target}; outputs are stored and shown "
                "in the UI and API: keep secrets out of outputs (declare a flow output as "
                "type SECRET if it must carry one)",
                site,
                trace.pos,
            )


RULE = Rule(
    "secret-in-output", Severity.ERROR, Confidence.HIGH, "a secret in a task or flow output", check
)
