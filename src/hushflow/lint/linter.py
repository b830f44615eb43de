"""Running the rules over one flow source: settings, suppressions, findings in order."""

from __future__ import annotations

from dataclasses import dataclass, field

from hushflow.lint.context import Hit, RuleContext, SecretLocator, SubflowInputs
from hushflow.lint.document import FlowDoc, load
from hushflow.lint.finding import Confidence, Finding, Severity
from hushflow.lint.program import analyze_flow
from hushflow.lint.registry import RULES, Rule, all_rules, register
from hushflow.lint.settings import LintConfig, Resolved
from hushflow.lint.suppression import find, problems

#: Rules whose findings are about literal text: the text formatter never quotes their line.
REDACTED_RULES = frozenset({"plaintext-credential", "kv-credential"})


def _no_check(_: RuleContext) -> list[Hit]:
    return []


INVALID_SUPPRESSION = Rule(
    "invalid-suppression",
    Severity.WARNING,
    Confidence.HIGH,
    "an ignore comment without rules or reason, or naming an unknown rule",
    _no_check,
)
register(INVALID_SUPPRESSION)


@dataclass(slots=True)
class LintReport:
    """One flow's findings, the suppressed ones (with reasons), and whether it blocks saving."""

    file: str | None
    namespace: str
    flow_id: str
    source: str
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[tuple[Finding, str]] = field(default_factory=list)
    block_on_error: bool = False

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def blocks(self) -> bool:
        """True when the namespace's settings say error findings refuse the save."""
        return self.block_on_error and self.has_errors

    def excerpt(self, finding: Finding) -> str | None:
        """The source line of a finding, unless a credential was found on it."""
        if any(f.line == finding.line and f.rule in REDACTED_RULES for f in self.findings):
            return None
        lines = self.source.split("\n")
        return lines[finding.line - 1] if 0 < finding.line <= len(lines) else None


def _finding(rule: Rule, hit: Hit, severity: Severity, file: str | None) -> Finding:
    confidence = hit.confidence or rule.confidence
    return Finding(
        rule.id, severity, confidence, hit.message, hit.line, hit.column, file, rule.help
    )


def _run(
    doc: FlowDoc, settings: Resolved, secrets: SecretLocator | None, subflows: SubflowInputs | None
) -> list[Finding]:
    analysis = analyze_flow(doc)
    found: list[Finding] = []
    for rule in all_rules():
        setting = settings.rule(rule.id)
        if not setting.enabled or (rule.needs_secrets and secrets is None):
            continue
        ctx = RuleContext(doc, analysis, setting.options, secrets, subflows)
        severity = setting.severity or rule.severity
        found.extend(_finding(rule, hit, severity, doc.file) for hit in rule.check(ctx))
    return found


def _suppress(doc: FlowDoc, report: LintReport, found: list[Finding], settings: Resolved) -> None:
    known = frozenset(RULES)
    valid = []
    for item in find(doc):
        why = problems(item, known)
        if why is None:
            valid.append(item)
        elif settings.rule(INVALID_SUPPRESSION.id).enabled:
            hit = Hit(why, item.line, item.column)
            severity = settings.rule(INVALID_SUPPRESSION.id).severity or Severity.WARNING
            found.append(_finding(INVALID_SUPPRESSION, hit, severity, doc.file))
    for finding in found:
        match = next((s for s in valid if s.covers(finding.rule, finding.line)), None)
        if match is None:
            report.findings.append(finding)
        else:
            report.suppressed.append((finding, match.reason))


def lint_report(
    source: str,
    *,
    file: str | None = None,
    config: LintConfig | None = None,
    secrets: SecretLocator | None = None,
    subflows: SubflowInputs | None = None,
) -> LintReport:
    """Lint one flow source; invalid YAML raises a positioned FlowValidationError."""
    doc = load(source, file)
    settings = (config or LintConfig()).for_namespace(doc.namespace)
    report = LintReport(file, doc.namespace, doc.flow_id, source)
    report.block_on_error = settings.block_on_error
    _suppress(doc, report, _run(doc, settings, secrets, subflows), settings)
    report.findings.sort(key=Finding.sort_key)
    return report


def lint_source(
    source: str,
    *,
    file: str | None = None,
    config: LintConfig | None = None,
    secrets: SecretLocator | None = None,
    subflows: SubflowInputs | None = None,
) -> list[Finding]:
    """The findings of one flow source (suppressed ones left out), in file order."""
    report = lint_report(source, file=file, config=config, secrets=secrets, subflows=subflows)
    return report.findings


def known_rules() -> frozenset[str]:
    """Every rule id (for validating settings and ignore comments)."""
    return frozenset(r.id for r in all_rules())
