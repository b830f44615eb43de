"""secret-in-log: a secret (directly or through a name) in a property that is logged."""

from __future__ import annotations

from collections.abc import Iterator

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule
from hushflow.lint.rules._common import describe, owner, unique
from hushflow.lint.task_kinds import LOGGED


def check(ctx: RuleContext) -> Iterator[Hit]:
    for site in ctx.doc.expressions:
        task = site.task
        if task is None or site.prop_name not in LOGGED.get(task.kind, ()):
            continue
        for trace in unique(ctx.facts(site).printed):
            yield ctx.hit(
                f"{describe(trace)} is written to the log by {owner(site)}; hushflow masks it, "
                "but a log is the wrong place for a secret: log that it was used, not its value",
                site,
                trace.pos,
            )


RULE = Rule(
    "secret-in-log", Severity.ERROR, Confidence.HIGH, "a secret in a logged property", check
)
