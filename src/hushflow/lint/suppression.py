"""Inline suppression: ``# hushflow: ignore[rule-id, other-id] the reason``.

A YAML comment (never text inside a string) silences the named rules:

- at the end of a line, for findings on that line;
- on a line of its own, for the next line and everything nested under it
  (the lines after it that are more indented): above a task, the whole task;
  above ``script: |``, the whole script.

The reason is required: a suppression without one, or naming a rule that
does not exist, does not apply and is itself reported (``invalid-suppression``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from hushflow.lint.document import FlowDoc

_COMMENT = re.compile(r"#\s*hushflow:\s*ignore(?:\[([^\]]*)\])?\s*(.*)$")


@dataclass(frozen=True, slots=True)
class Suppression:
    """One ignore comment: the rules it names, why, and the lines it covers."""

    line: int
    column: int
    rules: frozenset[str]
    reason: str
    first: int
    last: int

    def covers(self, rule: str, line: int) -> bool:
        return rule in self.rules and self.first <= line <= self.last


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _extent(lines: list[str], start: int) -> tuple[int, int]:
    """(first, last) 1-based lines of the node starting on the next content line after ``start``."""
    i = start  # 0-based index of the line after the comment
    while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
        i += 1
    if i >= len(lines):
        return start + 1, start + 1
    base = _indent(lines[i])
    last = i
    for j in range(i + 1, len(lines)):
        if not lines[j].strip():
            continue
        if _indent(lines[j]) <= base:
            break
        last = j
    return i + 1, last + 1


def _in_string(spans: list[tuple[int, int]], starts: list[int], offset: int) -> bool:
    at = bisect_right(starts, offset) - 1
    return at >= 0 and spans[at][0] <= offset < spans[at][1]


def find(doc: FlowDoc) -> list[Suppression]:
    """Every ignore comment of the flow (valid or not: see :func:`problems`)."""
    text = doc.text
    if "hushflow:" not in text:
        return []
    spans = sorted((s.node.start_mark.index, s.node.end_mark.index) for s in doc.sites)
    starts = [a for a, _ in spans]
    lines = text.split("\n")
    found: list[Suppression] = []
    for number, line in enumerate(lines, start=1):
        match = _COMMENT.search(line)
        if match is None:
            continue
        offset = doc.lines.line_start(number) + match.start()
        if _in_string(spans, starts, offset):
            continue
        rules = frozenset(r.strip() for r in (match.group(1) or "").split(",") if r.strip())
        alone = not line[: match.start()].strip()
        first, last = _extent(lines, number) if alone else (number, number)
        found.append(
            Suppression(number, match.start() + 1, rules, match.group(2).strip(), first, last)
        )
    return found


def problems(suppression: Suppression, known: frozenset[str]) -> str | None:
    """Why a suppression does not apply, or None when it is valid."""
    if not suppression.rules:
        return "name the rules to ignore: '# hushflow: ignore[rule-id] reason'"
    unknown = sorted(suppression.rules - known)
    if unknown:
        return f"unknown rule '{unknown[0]}' in an ignore comment"
    if not suppression.reason:
        return "an ignore comment needs a reason after the rule list"
    return None
