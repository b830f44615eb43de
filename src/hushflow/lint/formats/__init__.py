"""Output formats of ``hushflow flow lint``: one module each, one ``render(reports)`` each."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hushflow.lint.formats import github, json_format, sarif, text
from hushflow.lint.linter import LintReport

Formatter = Callable[[Sequence[LintReport]], str]

FORMATS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
}
