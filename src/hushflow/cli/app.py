"""What every CLI command shares: opening the database and building the engine.

The engine (and with it every task type, the expression engine and the
masker) is imported only by the commands that run flows, so listing or
reading executions starts without it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine as Database

from hushflow.cli.home import open_home_database
from hushflow.errors import ConfigError, FlowValidationError
from hushflow.models.flow import Flow
from hushflow.models.flow_source import locate, read_flow

if TYPE_CHECKING:
    from hushflow.engine.runner import Engine, LogListener

FLOW_SUFFIXES = (".yml", ".yaml")


def database() -> Database:
    """The configured database, migrated; warns when HUSHFLOW_HOME is open to others."""
    return open_home_database()


def secret_manager(db: Database) -> Any:
    """The configured secret manager (embedded store, environment, Vault mounts)."""
    from hushflow.secrets import SecretManager

    return SecretManager.from_env(db, os.environ)


def engine(db: Database, on_log: LogListener | None = None) -> Engine:
    """An engine over ``db`` with the configured secrets and limits."""
    from hushflow.engine.runner import MAX_SUBFLOW_DEPTH, Engine

    depth = _positive_int("HUSHFLOW_MAX_SUBFLOW_DEPTH", MAX_SUBFLOW_DEPTH)
    return Engine(db, secrets=secret_manager(db), on_log=on_log, max_subflow_depth=depth)


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a whole number of 1 or more, not {raw!r}")
    return int(raw)


def flow_files(paths: list[str]) -> list[Path]:
    """Flow files named, or found in the folders named (recursively), sorted."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in FLOW_SUFFIXES))
        else:
            out.append(path)
    return out


def read_all(
    paths: list[Path], on_error: Callable[[FlowValidationError], None]
) -> list[tuple[Path, Flow]]:
    """Parse every file (schedules included); report each invalid one through ``on_error``."""
    flows = []
    for path in paths:
        try:
            flow = read_flow(path)
            check_triggers(path, flow)
            flows.append((path, flow))
        except FlowValidationError as exc:
            on_error(exc)
    return flows


def check_triggers(path: Path, flow: Flow) -> None:
    """A Schedule the scheduler could not use is an error at validate/deploy time, not later."""
    from hushflow.tasks.triggers import is_schedule, parse_schedule

    problems = []
    for index, trigger in enumerate(flow.triggers):
        if not is_schedule(trigger):
            continue
        try:
            parse_schedule(trigger)
        except ValueError as exc:
            where = locate(path.read_text(encoding="utf-8"), ("triggers", index), str(path))
            problems.append((where, str(exc)))
    if problems:
        raise FlowValidationError(problems, str(path))
