"""secret-structured-access: a field of a JSON secret read with jq or fromJson: use ``subkey``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.dataflow import Step, Trace
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule

_SIMPLE_JQ = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)")


def _field(trace: Trace) -> tuple[Step, str | None] | None:
    """The step that reads a field of the secret, and the field name when it is simple."""
    steps = trace.steps
    if not steps:
        return None
    first = steps[0]
    if first.kind == "filter" and first.name == "jq":
        match = _SIMPLE_JQ.fullmatch(first.arg or "")
        return first, match.group(1) if match else None
    parsing = first.kind in ("function", "filter") and first.name in ("fromJson", "json")
    if parsing and len(steps) > 1 and steps[1].kind == "access":
        return first, steps[1].arg
    return None


def check(ctx: RuleContext) -> Iterator[Hit]:
    for site in ctx.doc.expressions:
        reported: set[int] = set()
        for trace in ctx.facts(site).seen:
            if not trace.direct or trace.subkey:
                continue
            found = _field(trace)
            if found is None or found[0].pos in reported:
                continue
            step, name = found
            reported.add(step.pos)
            key = f"'{trace.key}'" if trace.key is not None else "'KEY'"
            better = f"secret({key}, subkey='{name}')" if name else f"secret({key}, subkey=...)"
            yield ctx.hit(
                f"a field of secret {key} is read with '{step.name}'; use {better}, which "
                "returns only that field and registers it for masking as a secret of its own",
                site,
                step.pos,
            )


RULE = Rule(
    "secret-structured-access",
    Severity.WARNING,
    Confidence.HIGH,
    "a JSON secret's field read with jq or fromJson instead of subkey",
    check,
)
