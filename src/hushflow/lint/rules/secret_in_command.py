"""secret-in-command: a secret rendered into script code instead of ``env`` or ``secretFiles``."""

from __future__ import annotations

from collections.abc import Iterator

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule
from hushflow.lint.rules._common import describe, owner, unique
from hushflow.lint.task_kinds import COMMAND_PROPERTIES


def check(ctx: RuleContext) -> Iterator[Hit]:
    for site in ctx.doc.expressions:
        if site.task is None or site.prop_name not in COMMAND_PROPERTIES:
            continue
        for trace in unique(ctx.facts(site).printed):
            yield ctx.hit(
                f"{describe(trace)} is rendered into the code of {owner(site)}; the interpreter "
                "can rewrite it before it prints (a '$' expanded by the shell, '\\n' unescaped), "
                "which no masker can follow: pass it in 'env' (or 'secretFiles') and read the "
                "variable in the script",
                site,
                trace.pos,
            )


RULE = Rule(
    "secret-in-command",
    Severity.ERROR,
    Confidence.HIGH,
    "a secret in commands/script instead of env",
    check,
)
