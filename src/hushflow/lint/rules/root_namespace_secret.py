"""root-namespace-secret: a key this flow uses resolves at a top-level namespace.

A secret stored at ``company`` is inherited by every namespace under it;
stored at ``company.team`` only that team's flows see it. The rule asks a
:class:`~hushflow.lint.context.SecretLocator` (the secret manager) where each
key resolves, so it runs only when one is given (``flow lint --secrets``,
``flow deploy``, the API); offline it is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule


def check(ctx: RuleContext) -> Iterator[Hit]:
    locator, namespace = ctx.secrets, ctx.doc.namespace
    if locator is None or "." not in namespace:
        return
    done: set[str] = set()
    for site in ctx.doc.expressions:
        for key, pos in ctx.facts(site).calls:
            if key is None or key in done:
                continue
            done.add(key)
            where = locator.resolved_namespace(namespace, key)
            if where is None or "." in where:
                continue
            place = f"namespace '{where}'" if where else "a store every namespace sees"
            yield ctx.hit(
                f"secret '{key}' resolves from {place}, so every flow under it can read it; "
                f"if only '{namespace}' needs it, store it there",
                site,
                pos,
            )


RULE = Rule(
    "root-namespace-secret",
    Severity.WARNING,
    Confidence.MEDIUM,
    "a secret stored at a top-level namespace",
    check,
    needs_secrets=True,
)
