"""Linter settings: severity and options per rule, per namespace subtree.

Read from the ``lint`` section of ``$HUSHFLOW_HOME/hushflow.yml`` (the file
:mod:`hushflow.secrets.config` reads its ``secrets`` section from)::

    lint:
      block_on_error: false        # deploy/API: refuse to save a flow with an error finding
      rules:
        secret-transformed: info   # a severity (error, warning, info) or off
        secret-to-many-tasks: {severity: warning, threshold: 5}
      namespaces:
        company.prod:              # this namespace and every one under it
          block_on_error: true
          rules:
            secret-in-debug: error

The most specific namespace entry wins, over the less specific ones, over
the top-level ``rules``, over each rule's default.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hushflow.errors import ConfigError
from hushflow.lint.context import OptionValue
from hushflow.lint.finding import Severity

OFF = "off"


@dataclass(frozen=True, slots=True)
class RuleSetting:
    """How one rule behaves: enabled, its severity, its options (``threshold``...)."""

    enabled: bool = True
    severity: Severity | None = None
    options: Mapping[str, OptionValue] = field(default_factory=dict)

    def over(self, base: RuleSetting) -> RuleSetting:
        """This setting layered over ``base``."""
        return RuleSetting(
            self.enabled,
            self.severity or base.severity,
            {**base.options, **self.options},
        )


@dataclass(frozen=True, slots=True)
class Scope:
    """The settings of one level: the top level or one namespace subtree."""

    rules: Mapping[str, RuleSetting] = field(default_factory=dict)
    block_on_error: bool | None = None


@dataclass(frozen=True, slots=True)
class Resolved:
    """The settings that apply to one namespace."""

    rules: Mapping[str, RuleSetting]
    block_on_error: bool

    def rule(self, rule_id: str) -> RuleSetting:
        return self.rules.get(rule_id, RuleSetting())


@dataclass(frozen=True, slots=True)
class LintConfig:
    """All linter settings; :meth:`for_namespace` resolves them for one flow."""

    top: Scope = field(default_factory=Scope)
    namespaces: Mapping[str, Scope] = field(default_factory=dict)

    def for_namespace(self, namespace: str) -> Resolved:
        scopes = [self.top]
        for name in sorted(self.namespaces, key=len):
            if namespace == name or namespace.startswith(name + "."):
                scopes.append(self.namespaces[name])
        rules: dict[str, RuleSetting] = {}
        block = False
        for scope in scopes:
            for rule_id, setting in scope.rules.items():
                rules[rule_id] = setting.over(rules.get(rule_id, RuleSetting()))
            if scope.block_on_error is not None:
                block = scope.block_on_error
        return Resolved(rules, block)

    @classmethod
    def from_mapping(cls, section: Any, known: frozenset[str]) -> LintConfig:
        """Settings from the ``lint`` mapping; an unknown rule id is a ConfigError."""
        if section is None:
            return cls()
        if not isinstance(section, dict):
            raise ConfigError("lint: must be a mapping")
        namespaces = section.get("namespaces") or {}
        if not isinstance(namespaces, dict):
            raise ConfigError("lint.namespaces: must be a mapping of namespace to settings")
        return cls(
            _scope(section, known, "lint"),
            {str(ns): _scope(s, known, f"lint.namespaces.{ns}") for ns, s in namespaces.items()},
        )

    @classmethod
    def from_file(cls, path: Path, known: frozenset[str]) -> LintConfig:
        """The ``lint`` section of a ``hushflow.yml``; defaults when the file does not exist."""
        if not path.exists():
            return cls()
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
        return cls.from_mapping(doc.get("lint") if isinstance(doc, dict) else None, known)


def _scope(spec: Any, known: frozenset[str], where: str) -> Scope:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: must be a mapping")
    rules = spec.get("rules") or {}
    if not isinstance(rules, dict):
        raise ConfigError(f"{where}.rules: must be a mapping of rule id to settings")
    block = spec.get("block_on_error")
    if block is not None and not isinstance(block, bool):
        raise ConfigError(f"{where}.block_on_error: must be true or false")
    parsed = {str(k): _rule(str(k), v, known, f"{where}.rules.{k}") for k, v in rules.items()}
    return Scope(parsed, block)


def _rule(rule_id: str, spec: Any, known: frozenset[str], where: str) -> RuleSetting:
    if rule_id not in known:
        close = difflib.get_close_matches(rule_id, sorted(known), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(f"{where}: unknown lint rule '{rule_id}'{hint}")
    if spec is False or spec == OFF:
        return RuleSetting(enabled=False)
    if isinstance(spec, str):
        return RuleSetting(severity=_severity(spec, where))
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: give a severity, 'off', or a mapping")
    options = {str(k): v for k, v in spec.items() if k not in ("severity", "enabled")}
    for name, value in options.items():
        if not isinstance(value, str | int | float | bool):
            raise ConfigError(f"{where}.{name}: must be a number, a string or a boolean")
    severity = spec.get("severity")
    enabled = spec.get("enabled", True) is not False and severity != OFF
    level = _severity(severity, where) if isinstance(severity, str) and enabled else None
    return RuleSetting(enabled, level, options)


def _severity(value: str, where: str) -> Severity:
    try:
        return Severity(value.lower())
    except ValueError:
        raise ConfigError(f"{where}: severity must be error, warning, info or off") from None
