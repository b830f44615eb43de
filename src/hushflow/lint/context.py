"""What a rule sees: the flow, the analysis, its options, and the optional outside knowledge.

Two things the linter cannot know from a flow file alone come through small
protocols, so that linting stays possible offline (rules that need them are
skipped when they are absent):

- :class:`SecretLocator`: where a key resolves for a namespace (the secret
  manager knows; ``root-namespace-secret`` asks it);
- :class:`SubflowInputs`: the declared input types of another flow
  (``secret-to-subflow`` asks whether the child's input is ``SECRET``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import yaml

from hushflow.lint.dataflow import Facts
from hushflow.lint.document import FlowDoc, Site
from hushflow.lint.finding import Confidence
from hushflow.lint.program import Analysis

OptionValue = str | int | float | bool


class SecretLocator(Protocol):
    """Answers where ``key`` resolves for a flow in ``namespace``, never its value."""

    def resolved_namespace(self, namespace: str, key: str) -> str | None:
        """The namespace that holds the key seen from ``namespace`` ("" for a global
        store such as ``SECRET_*`` variables), or None when it does not resolve."""
        ...


class SubflowInputs(Protocol):
    """Declared input types of other flows: ``{input id: type}``, or None if unknown."""

    def input_types(self, namespace: str, flow_id: str) -> Mapping[str, str] | None: ...


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule's raw report: the rule id, severity and help are added by the runner."""

    message: str
    line: int
    column: int
    confidence: Confidence | None = None


@dataclass(slots=True)
class RuleContext:
    doc: FlowDoc
    analysis: Analysis
    options: Mapping[str, OptionValue] = field(default_factory=dict)
    secrets: SecretLocator | None = None
    subflows: SubflowInputs | None = None

    def facts(self, site: Site) -> Facts:
        return self.analysis.of(site)

    def hit(
        self, message: str, site: Site, pos: int | None = None, confidence: Confidence | None = None
    ) -> Hit:
        """A hit at ``pos`` in ``site``'s value (the start of the scalar when None)."""
        line, column = self.doc.position(site, pos)
        return Hit(message, line, column, confidence)

    def hit_node(self, message: str, node: yaml.Node, confidence: Confidence | None = None) -> Hit:
        line, column = self.doc.node_position(node)
        return Hit(message, line, column, confidence)

    def option(self, name: str, default: int) -> int:
        value = self.options.get(name, default)
        return int(value) if isinstance(value, int | float | str) else default
