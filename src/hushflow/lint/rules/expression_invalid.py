"""expression-invalid: a string the linter cannot read as an expression, so cannot check."""

from __future__ import annotations

from collections.abc import Iterator

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule


def _offset(text: str, line: int | None, column: int | None) -> int:
    if line is None or column is None:
        return 0
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1


def check(ctx: RuleContext) -> Iterator[Hit]:
    for site in ctx.doc.sites:
        error = site.error
        if error is None:
            continue
        reason = error.message.rsplit(" at line ", 1)[0]
        yield ctx.hit(
            f"this expression cannot be parsed ({reason}), so its secrets were not checked",
            site,
            _offset(site.value, error.line, error.column),
        )


RULE = Rule(
    "expression-invalid",
    Severity.WARNING,
    Confidence.HIGH,
    "an expression the linter cannot parse",
    check,
)
