"""secret-in-debug: a flow marked as debug or test (namespace, id, labels) reading real secrets.

A heuristic: a namespace segment, a word of the flow id, or a label key or
value equal to one of :data:`MARKERS` marks the flow. Debug and test flows
get copied, shared and run with extra logging; give them test credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.document import FlowDoc
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule

MARKERS = frozenset(
    {"debug", "test", "tests", "testing", "dev", "sandbox", "playground", "scratch", "tmp"}
)


def marker(doc: FlowDoc) -> str | None:
    """What marks the flow as debug or test, e.g. "namespace segment 'tests'"."""
    for segment in doc.namespace.split("."):
        if segment.lower() in MARKERS:
            return f"namespace segment '{segment}'"
    for word in re.split(r"[-_.]", doc.flow_id):
        if word.lower() in MARKERS:
            return f"the word '{word}' in its id"
    for key, value in doc.labels.items():
        if key.lower() in MARKERS or value.lower() in MARKERS:
            return f"label '{key}'"
    return None


def check(ctx: RuleContext) -> Iterator[Hit]:
    why = marker(ctx.doc)
    if why is None:
        return
    done: set[str | None] = set()
    for site in ctx.doc.expressions:
        for key, pos in ctx.facts(site).calls:
            if key in done:
                continue
            done.add(key)
            name = f"secret '{key}'" if key is not None else "a secret"
            yield ctx.hit(
                f"this flow is marked as debug or test ({why}) and reads {name}; give debug "
                "and test flows test credentials, not real ones",
                site,
                pos,
            )


RULE = Rule(
    "secret-in-debug",
    Severity.WARNING,
    Confidence.LOW,
    "a debug or test flow using real secrets",
    check,
)
