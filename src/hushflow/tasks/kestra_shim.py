"""The ``kestra`` module a Python script can import, as with Kestra's ``kestra`` package.

A copy of this file is put on the ``PYTHONPATH`` of Python tasks as
``kestra.py``, so ``from kestra import Kestra`` works without installing
anything. It speaks the ``::{...}::`` line protocol on stdout, which the task
reads (masked) like any other line. Standard library only: it runs in the
script's interpreter, not in hushflow.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from typing import Any


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write("::" + json.dumps(message, default=str) + "::\n")
    sys.stdout.flush()


class _ProtocolHandler(logging.Handler):
    """Sends each log record as a ``::{"logs": [...]}::`` line at its level."""

    _LEVELS = {"WARNING": "WARN", "CRITICAL": "ERROR"}

    def emit(self, record: logging.LogRecord) -> None:
        level = self._LEVELS.get(record.levelname, record.levelname)
        _send({"logs": [{"level": level, "message": self.format(record)}]})


class Kestra:
    """Outputs, metrics and a logger for a script, the way Kestra's library offers them."""

    _logger: logging.Logger | None = None

    @staticmethod
    def outputs(values: dict[str, Any]) -> None:
        """Set outputs: they appear in the task's ``vars``."""
        _send({"outputs": values})

    @staticmethod
    def secret_outputs(values: dict[str, Any]) -> None:
        """Set outputs that later tasks read in clear and everything else shows as ``****``.

        hushflow's own addition (``::{"secretOutputs": ...}::``): sealed at rest.
        """
        _send({"secretOutputs": values})

    @staticmethod
    def counter(name: str, value: float, tags: dict[str, str] | None = None) -> None:
        """Record a counter metric (accepted; hushflow does not store metrics yet)."""
        metric = {"name": name, "type": "counter", "value": value, "tags": tags or {}}
        _send({"metrics": [metric]})

    @staticmethod
    def timer(
        name: str, duration: float | Callable[[], Any], tags: dict[str, str] | None = None
    ) -> None:
        """Record a timer metric, in seconds; a callable is run and timed."""
        if callable(duration):
            start = time.perf_counter()
            duration()
            duration = time.perf_counter() - start
        metric = {"name": name, "type": "timer", "value": duration, "tags": tags or {}}
        _send({"metrics": [metric]})

    @staticmethod
    def logger() -> logging.Logger:
        """A logger whose records become the task's log lines at their level."""
        if Kestra._logger is None:
            logger = logging.getLogger("kestra")
            logger.setLevel(logging.DEBUG)
            logger.propagate = False
            logger.addHandler(_ProtocolHandler())
            Kestra._logger = logger
        return Kestra._logger
