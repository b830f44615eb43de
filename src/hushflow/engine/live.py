"""An execution in flight, as the executor thread holds it.

Only the executor thread changes an execution; workers read the snapshot of
variables they were given and report back through the event queue. What
workers share with it (logs, cancel and pause events) sits behind ``lock`` or
is an ``Event``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from hushflow.masking import Masker
from hushflow.models.execution import Execution, LogEntry, TaskRun
from hushflow.models.flow import Flow


@dataclass
class Live:
    """An execution in flight, as the executor thread holds it."""

    flow: Flow
    execution: Execution
    masker: Masker
    inputs: dict[str, Any]
    #: Set when the execution is killed; each attempt has its own event too
    #: (a timeout cancels one attempt, not the execution), set on kill.
    cancelled: threading.Event = field(default_factory=threading.Event)
    attempt_events: set[threading.Event] = field(default_factory=set)
    done: threading.Event = field(default_factory=threading.Event)
    pending_logs: list[LogEntry] = field(default_factory=list)
    changed: dict[str, TaskRun] = field(default_factory=dict)
    #: Iteration values that contain secret text, by (flowable run id, iteration):
    #: stored masked, handed to the children in clear (and tainted).
    clear_values: dict[tuple[str, int | None], str] = field(default_factory=dict)
    #: Secret outputs in clear, by task run id (stored sealed; see engine.sealed_outputs).
    sealed: dict[str, dict[str, Any]] = field(default_factory=dict)
    active: int = 0
    #: How many parents this execution has (0 for one started by a user or a schedule).
    depth: int = 0
    killing: bool = False
    finished: bool = False
    #: Paused task runs, each waiting on its event until resumed.
    paused: dict[str, threading.Event] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
