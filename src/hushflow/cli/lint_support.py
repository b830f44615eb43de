"""What ``flow lint``, ``flow validate``, ``flow deploy`` and ``secret placement`` share.

Settings come from ``$HUSHFLOW_HOME/hushflow.yml`` (section ``lint``); the
subflow input types a ``secret-to-subflow`` check needs come from the other
files linted in the same command (and, at deploy, from the stored flows).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import click
import yaml

from hushflow.errors import FlowValidationError
from hushflow.lint import (
    LintConfig,
    LintReport,
    Placement,
    SecretLocator,
    Severity,
    known_rules,
    lint_report,
    placements,
    used_keys,
)
from hushflow.lint.formats.text import finding_lines
from hushflow.lint.placement import KeyLister
from hushflow.storage.database import home


def load_config(env: Mapping[str, str] | None = None) -> LintConfig:
    """The ``lint`` settings of ``hushflow.yml`` (defaults when there is none)."""
    return LintConfig.from_file(home(env or os.environ) / "hushflow.yml", known_rules())


def _input_types(source: str) -> tuple[str, str, dict[str, str]] | None:
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    types: dict[str, str] = {}
    for item in data.get("inputs") or []:
        ident = item.get("id", item.get("name")) if isinstance(item, dict) else None
        if isinstance(ident, str):
            types[ident] = str(item.get("type", "STRING"))
    return str(data.get("namespace", "")), str(data.get("id", "")), types


class SourceSubflows:
    """Input types of the flows in a set of sources (a :class:`SubflowInputs`)."""

    def __init__(
        self, sources: list[str], fallback: Callable[[str, str], str | None] | None = None
    ) -> None:
        self.known: dict[tuple[str, str], dict[str, str]] = {}
        for source in sources:
            found = _input_types(source)
            if found is not None:
                self.known[(found[0], found[1])] = found[2]
        self.fallback = fallback

    def input_types(self, namespace: str, flow_id: str) -> Mapping[str, str] | None:
        if (namespace, flow_id) in self.known:
            return self.known[(namespace, flow_id)]
        if self.fallback is not None:
            source = self.fallback(namespace, flow_id)
            found = _input_types(source) if source is not None else None
            return found[2] if found is not None else None
        return None


def read_sources(
    paths: list[Path], on_error: Callable[[FlowValidationError], None]
) -> list[tuple[Path, str]]:
    out = []
    for path in paths:
        try:
            out.append((path, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            on_error(FlowValidationError([(None, f"cannot read flow file: {exc}")], str(path)))
    return out


def lint_sources(
    sources: list[tuple[Path, str]],
    on_error: Callable[[FlowValidationError], None],
    *,
    config: LintConfig | None = None,
    secrets: SecretLocator | None = None,
    fallback: Callable[[str, str], str | None] | None = None,
) -> list[LintReport]:
    """One report per readable flow; invalid YAML goes to ``on_error``."""
    config = config if config is not None else load_config()
    subflows = SourceSubflows([s for _, s in sources], fallback)
    reports = []
    for path, source in sources:
        try:
            reports.append(
                lint_report(
                    source, file=str(path), config=config, secrets=secrets, subflows=subflows
                )
            )
        except FlowValidationError as exc:
            on_error(exc)
    return reports


def at_least(reports: list[LintReport], minimum: Severity) -> list[LintReport]:
    """The reports with findings below ``minimum`` left out."""
    for report in reports:
        report.findings = [f for f in report.findings if f.severity.rank >= minimum.rank]
    return reports


def echo_findings(report: LintReport) -> None:
    """Print a report's findings as compiler-style lines (validate and deploy)."""
    for finding in report.findings:
        for line in finding_lines(report, finding):
            click.echo(line)


def chain(namespace: str) -> list[str]:
    parts = namespace.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def placement_rows(manager: KeyLister, sources: list[tuple[str, str]]) -> list[Placement]:
    """Keys stored higher than every flow that reads them, from flow ``(namespace, source)`` pairs.

    Only the namespaces of these flows and their parents are read from the
    store (keys and metadata, never values).
    """
    uses: list[tuple[str, str]] = []
    for namespace, source in sources:
        try:
            uses.extend((namespace, key) for key in used_keys(source))
        except FlowValidationError:
            continue
    namespaces = sorted({ns for namespace, _ in sources for ns in chain(namespace)})
    defined = [
        (ns, meta.key)
        for ns in namespaces
        for meta in manager.list_keys(ns)
        if not getattr(meta, "deleted", False)
    ]
    return placements(defined, uses)


def namespace_of(source: str) -> str:
    """The ``namespace`` of a flow source ("" when it has none or is not YAML)."""
    found = _input_types(source)
    return found[0] if found is not None else ""
