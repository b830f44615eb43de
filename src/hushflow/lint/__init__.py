"""The secret linter: static checks of a Kestra-format flow against the secret best practices.

Kestra's "Best Practices for Secrets" asks people to follow rules by hand
(never log secrets, no partial values, keep secrets out of outputs, store
them at the lowest namespace...). This package checks them before a flow
runs, by walking the flow's YAML nodes and the real expression AST of every
``{{ }}`` (see :mod:`hushflow.lint.dataflow`), never by matching text.

Public API, for every front door (CLI, API server, editor)::

    from hushflow.lint import lint_source, LintConfig

    findings = lint_source(yaml_text, file="flows/x.yml")
    for f in findings:
        print(f.line, f.column, f.rule, f.severity.value, f.message)
    payload = [f.to_dict() for f in findings]      # JSON-ready

- :func:`lint_source` (``source, *, file=None, config=None, secrets=None,
  subflows=None``) returns the :class:`Finding` list (suppressed ones left
  out); :func:`lint_report` returns a :class:`LintReport` with the
  suppressed findings and ``blocks`` (the namespace's settings make an
  error refuse the save). Invalid YAML raises
  :class:`~hushflow.errors.FlowValidationError` with its line and column.
- ``config`` is a :class:`LintConfig` (severity and options per rule, per
  namespace subtree; :meth:`LintConfig.from_file` reads the ``lint`` section
  of ``hushflow.yml``, see :mod:`hushflow.lint.settings`).
- ``secrets`` is a :class:`SecretLocator` (``resolved_namespace(namespace,
  key)``; :class:`ManagerLocator` wraps the secret manager). Without one,
  ``root-namespace-secret`` is skipped: linting works offline.
- ``subflows`` is a :class:`SubflowInputs` giving other flows' input types.

A :class:`Finding` has ``rule``, ``severity`` (error/warning/info),
``confidence`` (high/medium/low), ``message`` (why and how to fix),
``line`` and ``column`` (inside an expression: of the ``secret(`` call or
of the filter), ``file`` and ``help`` (the rule's documentation anchor).
Findings never contain a literal credential: they give its kind and length.

Rules live one per module in :mod:`hushflow.lint.rules`; output formats in
:mod:`hushflow.lint.formats`; inline suppression
(``# hushflow: ignore[rule-id] reason``) in :mod:`hushflow.lint.suppression`.
"""

from hushflow.lint.context import SecretLocator, SubflowInputs
from hushflow.lint.finding import Confidence, Finding, Severity
from hushflow.lint.linter import LintReport, known_rules, lint_report, lint_source
from hushflow.lint.placement import ManagerLocator, Placement, placements, used_keys
from hushflow.lint.registry import Rule, all_rules, register
from hushflow.lint.settings import LintConfig

__all__ = [
    "Confidence",
    "Finding",
    "LintConfig",
    "LintReport",
    "ManagerLocator",
    "Placement",
    "Rule",
    "SecretLocator",
    "Severity",
    "SubflowInputs",
    "all_rules",
    "known_rules",
    "lint_report",
    "lint_source",
    "placements",
    "register",
    "used_keys",
]
