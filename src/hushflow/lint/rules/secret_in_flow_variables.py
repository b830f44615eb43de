"""secret-in-flow-variables: ``secret()`` in flow-level variables, visible to every task."""

from __future__ import annotations

from collections.abc import Iterator

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule


def check(ctx: RuleContext) -> Iterator[Hit]:
    for site in ctx.doc.expressions:
        if site.section != "variables" or len(site.path) < 2:
            continue
        for key, pos in ctx.facts(site).calls:
            name = f"secret '{key}'" if key is not None else "a secret"
            yield ctx.hit(
                f"{name} in flow variable '{site.path[1]}' is visible to every task of the "
                "flow; call secret() in the one task property that needs it",
                site,
                pos,
            )


RULE = Rule(
    "secret-in-flow-variables",
    Severity.WARNING,
    Confidence.HIGH,
    "secret() in flow-level variables",
    check,
)
