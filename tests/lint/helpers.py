"""Small helpers for the linter tests: a flow from task lines, findings as tuples."""

from __future__ import annotations

from hushflow.lint import Finding, LintConfig, SecretLocator, lint_source


def flow(tasks: str, head: str = "") -> str:
    """A flow in namespace company.team with ``tasks`` (already indented YAML list items)."""
    return f"id: f\nnamespace: company.team\n{head}tasks:\n{tasks}"


def findings(
    source: str, config: LintConfig | None = None, secrets: SecretLocator | None = None
) -> list[Finding]:
    return lint_source(source, file="f.yml", config=config, secrets=secrets)


def rules(source: str, **kwargs: object) -> set[str]:
    return {f.rule for f in findings(source, **kwargs)}  # type: ignore[arg-type]


def at(source: str, rule: str) -> list[tuple[int, int]]:
    """(line, column) of each finding of ``rule``."""
    return [(f.line, f.column) for f in findings(source) if f.rule == rule]


def position_of(source: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    """1-based line and column of the ``occurrence``-th ``needle`` in ``source``."""
    index = -1
    for _ in range(occurrence + 1):
        index = source.index(needle, index + 1)
    line = source.count("\n", 0, index) + 1
    return line, index - (source.rfind("\n", 0, index) + 1) + 1
