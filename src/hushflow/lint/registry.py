"""The rules: each has a stable id, a default severity and confidence, and a check.

Built-in rules live one per module in :mod:`hushflow.lint.rules` and are
registered here the same way an extension would register its own
(:func:`register`); an id claimed twice is an error at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hushflow.errors import ConfigError
from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.finding import HELP_URL, Confidence, Severity

Check = Callable[[RuleContext], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A check of the secret best practices."""

    id: str
    severity: Severity
    confidence: Confidence
    summary: str
    check: Check
    #: needs a secret locator (skipped offline)
    needs_secrets: bool = False

    @property
    def help(self) -> str:
        return f"{HELP_URL}#{self.id}"


RULES: dict[str, Rule] = {}


def register(*rules: Rule) -> None:
    """Add rules; a duplicate id is a ConfigError naming it."""
    for rule in rules:
        if rule.id in RULES and RULES[rule.id] is not rule:
            raise ConfigError(f"lint rule '{rule.id}' is registered twice")
        RULES[rule.id] = rule


def all_rules() -> list[Rule]:
    """Every registered rule, built-ins first (loaded on first use)."""
    from hushflow.lint.rules import BUILTIN

    register(*BUILTIN)
    return list(RULES.values())
