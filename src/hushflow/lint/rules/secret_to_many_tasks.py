"""secret-to-many-tasks: one secret used by many tasks; script env secrets the script never reads.

The threshold (option ``threshold``, default 3) is how many tasks may use
the same key before the rule asks whether they all need it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.document import Site, Task
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule
from hushflow.lint.task_kinds import COMMAND_PROPERTIES, Kind

DEFAULT_THRESHOLD = 3
#: Where a script can read its environment: its code and the files it is given.
CODE_PROPERTIES = COMMAND_PROPERTIES | {"inputFiles", "namespaceFiles"}


def _uses(ctx: RuleContext) -> dict[str, list[tuple[Task, Site, int]]]:
    """key -> the first use of it in each task, in document order."""
    uses: dict[str, list[tuple[Task, Site, int]]] = {}
    for site in ctx.doc.expressions:
        task = site.task
        if task is None or task.kind is Kind.TRIGGER:
            continue
        for trace in ctx.facts(site).seen:
            if trace.key is None:
                continue
            found = uses.setdefault(trace.key, [])
            if all(t is not task for t, _, _ in found):
                found.append((task, site, trace.pos))
    return uses


def _many(ctx: RuleContext) -> Iterator[Hit]:
    threshold = ctx.option("threshold", DEFAULT_THRESHOLD)
    for key, found in _uses(ctx).items():
        if len(found) <= threshold:
            continue
        names = ", ".join(f"'{t.id}'" for t, _, _ in found)
        _, site, pos = found[threshold]
        yield ctx.hit(
            f"secret '{key}' is used by {len(found)} tasks ({names}), more than {threshold}; "
            "give it only to the tasks that need it",
            site,
            pos,
            Confidence.MEDIUM,
        )


def _unused_env(ctx: RuleContext, task: Task) -> Iterator[Hit]:
    sites = list(ctx.doc.task_sites(task))
    code = "\n".join(s.value for s in sites if s.prop_name in CODE_PROPERTIES)
    if not code:
        return
    for site in sites:
        if site.prop_name != "env" or len(site.prop) != 2 or not ctx.facts(site).printed:
            continue
        name = str(site.prop[1])
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", code) is None:
            yield ctx.hit(
                f"task '{task.id}' puts a secret in env variable '{name}' that its script never "
                "mentions; remove it, so the process does not hold a secret it does not need",
                site,
                None,
                Confidence.MEDIUM,
            )


def check(ctx: RuleContext) -> Iterator[Hit]:
    yield from _many(ctx)
    for task in ctx.doc.tasks:
        yield from _unused_env(ctx, task)


RULE = Rule(
    "secret-to-many-tasks",
    Severity.WARNING,
    Confidence.MEDIUM,
    "a secret given to more tasks than need it",
    check,
)
