"""Run flows end to end on a real database with real secrets from a generated environment."""

from __future__ import annotations

import base64
import secrets
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine as Database

from hushflow.engine.runner import Engine
from hushflow.models import Execution, LogEntry, parse_flow
from hushflow.secrets import SecretManager
from hushflow.storage.database import open_database


def fake_secret(prefix: str = "s") -> str:
    """A generated secret that appears nowhere else."""
    return f"{prefix}-{secrets.token_hex(12)}"


def env_secret(value: str) -> str:
    """Kestra's SECRET_* encoding."""
    return base64.b64encode(value.encode()).decode()


@dataclass
class Run:
    """A finished execution with its logs, and everything stored about it as text."""

    execution: Execution
    logs: list[LogEntry]
    engine: Engine

    @property
    def messages(self) -> list[str]:
        return [e.message for e in self.logs]

    def everything(self) -> str:
        """The execution, task runs and logs as stored, as one text to search."""
        stored = self.engine.executions.get(self.execution.id)
        return stored.model_dump_json() + "\n".join(self.messages)


Runner = Callable[..., Run]


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = open_database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def run_flow(database: Database, tmp_path: Path) -> Iterator[Runner]:
    """``run_flow(yaml, inputs=None, secrets={KEY: value}) -> Run``."""
    engines: list[Engine] = []

    def run(text: str, inputs: dict[str, object] | None = None, secrets: dict[str, str] | None = None,
            deploy: list[str] | None = None, timeout: float = 60) -> Run:  # fmt: skip
        env = {f"SECRET_{k.upper()}": env_secret(v) for k, v in (secrets or {}).items()}
        env["HUSHFLOW_HOME"] = str(tmp_path)
        engine = Engine(database, secrets=SecretManager.from_env(database, env))
        engines.append(engine)
        for other in deploy or []:
            flow = parse_flow(textwrap.dedent(other))
            engine.flows.save(flow.namespace, flow.id, textwrap.dedent(other))
        source = textwrap.dedent(text)
        flow = parse_flow(source)
        stored, _ = engine.flows.save(flow.namespace, flow.id, source)
        ex = engine.submit(flow, inputs or {}, revision=stored.revision)
        done = engine.wait(ex.id, timeout=timeout)
        return Run(done, engine.logs.for_execution(done.id), engine)

    yield run
    for engine in engines:
        engine.close()
