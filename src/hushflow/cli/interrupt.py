"""Ctrl-C and SIGTERM during ``flow run``: the execution ends KILLED, not RUNNING for ever.

A signal raises :class:`Interrupted` in the main thread, wherever it is
waiting; the command then kills the execution through the engine (which stops
the tasks' process groups and stores the log lines it has), waits a bounded
time for that to be written, and exits 130 (SIGINT) or 143 (SIGTERM) as a shell
expects. A second signal while that happens ends the process at once.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

#: Seconds a killed execution gets to stop its tasks and be stored before we exit anyway.
KILL_WAIT = 15.0

Handler = Callable[[int, FrameType | None], object] | int | None


class Interrupted(BaseException):
    """A SIGINT or SIGTERM arrived; ``exit_code`` is what the shell expects (128 + signal)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = 128 + signum


@contextmanager
def interruptible() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`Interrupted` (the second one exits)."""
    seen: list[int] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        if seen:
            os._exit(128 + signum)
        seen.append(signum)
        raise Interrupted(signum)

    previous: dict[signal.Signals, Handler] = {}
    for wanted in (signal.SIGINT, signal.SIGTERM):
        previous[wanted] = signal.signal(wanted, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
