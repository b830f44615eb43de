"""What the linter reports: a :class:`Finding`, with a severity and a confidence.

A finding is plain data (strings and integers) so that every front door can
hand it on as it is: ``Finding.to_dict()`` is what the JSON output, the API
and the editor's gutter read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is; ``error`` findings fail ``flow lint`` (exit 1)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Confidence(StrEnum):
    """How sure the rule is that the finding is real (heuristics say ``medium`` or ``low``)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


#: Where each rule is documented; a finding's ``help`` is this plus ``#rule-id``.
HELP_URL = "docs/lint.md"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place: which rule, how bad, why and how to fix it."""

    rule: str
    severity: Severity
    confidence: Confidence
    message: str
    line: int
    column: int
    file: str | None = None
    help: str = ""

    def to_dict(self) -> dict[str, str | int | None]:
        """JSON-ready: the enums as their values."""
        out = asdict(self)
        out["severity"] = self.severity.value
        out["confidence"] = self.confidence.value
        return out

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file or "", self.line, self.column, self.rule)
