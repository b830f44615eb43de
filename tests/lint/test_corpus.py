"""Every flow under examples/ and Kestra's corpus: linted without a crash, findings as documented.

``REFERENCE`` is the table in the README's linter section: which of Kestra's
own test flows break which practice, and where.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hushflow.lint import lint_source

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "kestra-flows"
REFERENCE = {
    "flowable-with-parent-fail.yaml": [("expression-invalid", 17, 73)],
    "input-log-secret.yaml": [("plaintext-credential", 7, 15), ("secret-in-log", 12, 36)],
    "inputs.yaml": [("secret-in-log", 134, 14), ("secret-in-output", 134, 14)],
    "secret_test.yaml": [
        ("secret-in-debug", 7, 46), ("secret-in-log", 7, 46),
        ("secret-structured-access", 7, 69), ("secret-transformed", 7, 69),
    ],
    "secrets.yaml": [
        ("secret-structured-access", 7, 17), ("secret-in-debug", 7, 22), ("secret-in-log", 7, 22),
        ("secret-in-output", 7, 22), ("secret-in-log", 10, 18), ("secret-overexposed", 10, 18),
        ("secret-in-debug", 13, 17), ("secret-in-log", 13, 17), ("secret-in-output", 13, 17),
    ],
}  # fmt: skip


def _flows(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix in (".yml", ".yaml"))


def _check_positions(path: Path) -> list[tuple[str, int, int]]:
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    found = lint_source(text, file=path.name)
    for f in found:
        assert 1 <= f.line <= len(lines) and 1 <= f.column <= len(lines[f.line - 1]) + 1, f
    return [(f.rule, f.line, f.column) for f in found]


@pytest.mark.parametrize("path", _flows(REPO / "examples"), ids=lambda p: p.name)
def test_examples_lint_without_a_crash(path: Path) -> None:
    _check_positions(path)


def test_the_kestra_corpus_gives_the_reference_findings() -> None:
    if not CORPUS.exists():
        pytest.skip("the Kestra corpus is not on this machine")
    got = {}
    for path in _flows(CORPUS):
        found = _check_positions(path)
        if found:
            got[path.name] = found
    assert got == REFERENCE
