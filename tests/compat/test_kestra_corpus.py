"""Kestra's own test flows run on hushflow with the results Kestra's tests assert.

The corpus lives outside the repository (``../shared/kestra-flows``); where it
is absent the whole module is skipped with a message. Each case is one test,
so the summary line says how many pass; ``test_corpus_summary`` prints the
count and the failures of the whole corpus in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine as Database

from hushflow.engine.runner import Engine
from hushflow.secrets import SecretManager
from hushflow.storage.database import open_database
from tests.compat.corpus import (
    Case,
    check,
    corpus_dir,
    deploy_corpus,
    load_cases,
    run_case,
    secret_env,
)

FOLDER = corpus_dir()
CASES = load_cases(FOLDER) if FOLDER else []

pytestmark = pytest.mark.skipif(
    FOLDER is None, reason="Kestra corpus folder ../shared/kestra-flows not found"
)

#: Cases known not to pass yet, with the reason (strict: they fail the run once they pass).
KNOWN_GAPS: dict[str, str] = {}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HUSHFLOW_HOME", str(folder))
    return folder


@pytest.fixture
def database(home: Path) -> Iterator[Database]:
    db = open_database(f"sqlite:///{home / 'hushflow.db'}")
    yield db
    db.dispose()


def _params() -> list[object]:
    out: list[object] = []
    for case in CASES:
        marks = []
        if case.name in KNOWN_GAPS:
            marks.append(pytest.mark.xfail(reason=KNOWN_GAPS[case.name], strict=True))
        out.append(pytest.param(case, id=case.name, marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_kestra_flow(
    case: Case, database: Database, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert FOLDER is not None
    for key, value in (case.spec.get("env_vars") or {}).items():
        monkeypatch.setenv(key, value)
    globals_ = (case.spec.get("config") or {}).get("kestra.variables.globals") or {}
    env = {"HUSHFLOW_HOME": str(home), **secret_env(case.spec)}
    engine = Engine(database, secrets=SecretManager.from_env(database, env), globals_=globals_)
    try:
        deploy_corpus(engine, FOLDER)
        ex, logs = run_case(case, engine, FOLDER, home)
        if ex is not None:
            check(case, engine, ex, logs, home)
    finally:
        engine.close()
    assert not case.failures, f"{case.name}:\n  " + "\n  ".join(case.failures)
