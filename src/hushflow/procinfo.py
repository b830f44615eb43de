"""Who a process is, in a way that survives pid reuse: host, pid and the kernel's start time.

A pid alone may belong to another program after a crash; the pair (pid,
start time in clock ticks since boot, from ``/proc/<pid>/stat``) does not.
This module imports nothing of ours, so every layer may use it.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path


def start_ticks(pid: int) -> str | None:
    """When ``pid`` started, in clock ticks since boot; None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


@dataclass(frozen=True)
class ProcessId:
    """A process, named so that a later process with the same pid is not mistaken for it."""

    host: str
    pid: int
    started: str

    @classmethod
    def current(cls) -> ProcessId:
        """This process."""
        pid = os.getpid()
        return cls(socket.gethostname(), pid, start_ticks(pid) or "0")

    def gone(self) -> bool:
        """True when this process is known to have ended (only decidable on its own host)."""
        if self.host != socket.gethostname():
            return False
        return start_ticks(self.pid) != self.started
