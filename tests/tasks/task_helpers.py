"""Helpers shared by the task tests: fake secrets, finished runs and where they could leak."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hushflow.models.execution import Execution, LogEntry, TaskRun


def fake_secret(prefix: str = "") -> str:
    """A generated value standing in for a real secret (never a real one)."""
    return prefix + secrets.token_hex(16)


@dataclass
class Run:
    """One finished execution and where to look for leaks."""

    execution: Execution
    logs: list[LogEntry]
    db_file: Path
    home: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def task(self, task_id: str) -> TaskRun:
        return next(r for r in self.execution.task_runs if r.task_id == task_id)

    def messages(self, task_id: str | None = None, level: str | None = None) -> list[str]:
        """Log lines of a task (all tasks), at ``level`` (every level but TRACE)."""
        return [
            e.message
            for e in self.logs
            if (task_id is None or e.task_id == task_id)
            and (e.level == level if level else e.level != "TRACE")
        ]

    def stored_bytes(self) -> bytes:
        """The database file and its WAL/shared-memory files, read raw."""
        parts = [self.db_file, Path(f"{self.db_file}-wal"), Path(f"{self.db_file}-shm")]
        return b"".join(p.read_bytes() for p in parts if p.exists())

    def storage_bytes(self) -> bytes:
        folder = self.home / "storage"
        files = sorted(folder.rglob("*")) if folder.exists() else []
        return b"".join(p.read_bytes() for p in files if p.is_file())

    def leaks(self, *values: str, database: bool = True) -> list[str]:
        """Where any of ``values`` shows up in clear (an empty list means nowhere).

        ``database=False`` leaves the raw database file out, for values the
        flow itself holds in clear (a literal in its source or a plain input).
        """
        places = {
            "logs": "\n".join(e.message for e in self.logs).encode(),
            "execution": json.dumps(self.execution.to_json()).encode(),
            "storage": self.storage_bytes(),
        }
        if database:
            places["database"] = self.stored_bytes()
        return [
            f"{name} holds {value[:4]}..."
            for value in values
            for name, blob in places.items()
            if value.encode() in blob
        ]


FlowRunner = Callable[..., Run]


def wait_for_file(path: Path, timeout: float = 30) -> str:
    """The content of ``path`` once a script has written it (bounded wait)."""
    done = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if path.exists() and path.read_text().endswith("\n"):
            return path.read_text()
        done.wait(0.02)
    raise AssertionError(f"{path} was never written")


def descendants(root: int) -> list[int]:
    """Every live process below ``root`` (children, their children...)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] not in ("Z", "X"):
                parents[int(entry.name)] = int(fields[1])
    found: list[int] = []
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, parent in parents.items() if parent == pid]
        found += kids
        frontier += kids
    return found


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
