"""secret-in-condition: a secret deciding a branch (an implicit flow no masker can see)."""

from __future__ import annotations

from collections.abc import Iterator

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.dataflow import Trace
from hushflow.lint.document import Site
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule
from hushflow.lint.rules._common import describe, owner, unique
from hushflow.lint.task_kinds import ANY_TASK_CONDITIONS, CONDITIONS


def _is_condition(site: Site) -> bool:
    task = site.task
    if task is None or len(site.prop) != 1:
        return False
    return site.prop_name in ANY_TASK_CONDITIONS or site.prop_name in CONDITIONS.get(task.kind, ())


def check(ctx: RuleContext) -> Iterator[Hit]:
    for site in ctx.doc.expressions:
        facts = ctx.facts(site)
        traces: list[Trace] = list(facts.conditions)
        if _is_condition(site):
            traces += facts.printed
        for trace in unique(traces):
            yield ctx.hit(
                f"{describe(trace)} decides a condition in {owner(site)}; which branch runs "
                "tells something about the value and no masker can hide that: compare inside "
                "the task that needs the secret, or use a non-secret flag",
                site,
                trace.pos,
            )


RULE = Rule(
    "secret-in-condition",
    Severity.WARNING,
    Confidence.HIGH,
    "a secret in a condition (If, Switch, runIf, Fail.condition, {% if %})",
    check,
)
