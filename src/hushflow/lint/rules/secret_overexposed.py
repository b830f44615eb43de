"""secret-overexposed: a whole map that holds secrets passed to a task property.

``{{ inputs }}`` hands every input to the task, the SECRET ones too;
``{{ vars }}`` or ``render(vars)`` every flow variable; a JSON secret
printed whole (when the flow reads single fields of it elsewhere) every field
of it. Pass only the entry the task needs.
"""

from __future__ import annotations

from collections.abc import Iterator

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule
from hushflow.lint.rules.secret_structured_access import _field


def _json_keys(ctx: RuleContext) -> set[str]:
    keys: set[str] = set()
    for site in ctx.doc.expressions:
        for trace in ctx.facts(site).seen:
            if trace.key is not None and trace.direct and (trace.subkey or _field(trace)):
                keys.add(trace.key)
    return keys


def check(ctx: RuleContext) -> Iterator[Hit]:
    json_keys = _json_keys(ctx)
    for site in ctx.doc.expressions:
        if site.task is None:
            continue
        facts = ctx.facts(site)
        for what, pos in facts.whole:
            yield ctx.hit(
                f"'{what}' passes every entry to task '{site.task.id}', secret ones included; "
                "pass only the entries the task needs",
                site,
                pos,
            )
        for trace in facts.printed:
            if trace.direct and not trace.steps and not trace.subkey and trace.key in json_keys:
                yield ctx.hit(
                    f"the whole JSON secret '{trace.key}' is passed to task '{site.task.id}' "
                    "while the flow reads single fields of it elsewhere; pass only the field "
                    f"the task needs with secret('{trace.key}', subkey=...)",
                    site,
                    trace.pos,
                    Confidence.MEDIUM,
                )


RULE = Rule(
    "secret-overexposed",
    Severity.WARNING,
    Confidence.HIGH,
    "a whole map holding secrets passed to a task",
    check,
)
