"""secret-transformed: a secret through filters that make partial or re-encoded values."""

from __future__ import annotations

from collections.abc import Iterator

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.dataflow import Step
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule
from hushflow.lint.rules._common import describe

#: Filters (and functions) whose result is a piece or an encoding of their input.
TRANSFORMING = frozenset({
    "jq", "substring", "substringBefore", "substringAfter", "substringBeforeLast",
    "substringAfterLast", "slice", "split", "replace", "regexReplace", "upper", "lower",
    "capitalize", "title", "trim", "abbreviate", "base64encode", "base64decode", "urlencode",
    "urldecode", "toJson", "json", "toIon", "first", "last", "reverse", "join", "escapeChar",
    "slugify", "indent", "nindent", "keys", "values",
})  # fmt: skip
#: Functions among them (``json(...)`` as a function parses; as a filter it encodes).
TRANSFORMING_FUNCTIONS = frozenset({"toJson", "base64encode", "urlencode"})


def _label(step: Step) -> str:
    if step.kind == "concat":
        return "'~' (concatenation)"
    if step.kind == "access" and step.name == "index":
        return "an index"
    return f"'{step.name}'"


def _transforming(step: Step) -> bool:
    if step.kind == "concat":
        return True
    if step.kind == "access" and step.name == "index":
        return True
    if step.kind == "function":
        return step.name in TRANSFORMING_FUNCTIONS
    return step.kind == "filter" and step.name in TRANSFORMING


def check(ctx: RuleContext) -> Iterator[Hit]:
    for site in ctx.doc.expressions:
        reported: set[int] = set()
        for trace in ctx.facts(site).seen:
            for step in trace.steps:
                if step.pos in reported or not _transforming(step):
                    continue
                reported.add(step.pos)
                yield ctx.hit(
                    f"{describe(trace)} goes through {_label(step)}, which makes a partial or "
                    "re-encoded value; hushflow masks derived values, other engines do not: pass "
                    "the secret whole, or store the part you need as its own secret",
                    site,
                    step.pos,
                )


RULE = Rule(
    "secret-transformed",
    Severity.WARNING,
    Confidence.HIGH,
    "a secret through a filter that makes a partial or re-encoded value",
    check,
)
