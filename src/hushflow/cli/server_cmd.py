"""``hushflow server``: hushflow as a long-running service.

``server local`` is the one-machine setup: the engine (executor and workers)
and the scheduler in one process over the configured database, until SIGINT
or SIGTERM. The engine acts on the ``kill`` requests that other processes
(``hushflow execution kill``) leave in ``execution_commands`` for the
executions it holds. The API and the UI will join it in this same process;
the separate components for many machines (``server executor|worker|scheduler``)
come with the PostgreSQL queue.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from types import FrameType

import click

from hushflow.cli import app
from hushflow.cli.render import LEVEL_COLOURS
from hushflow.engine.runner import Engine
from hushflow.engine.scheduler import Scheduler
from hushflow.errors import FlowValidationError, NotFound
from hushflow.models.execution import LogEntry
from hushflow.storage.repository import FlowRepository

#: After the grace period, how long killed executions get to stop.
KILL_WAIT = 10.0

#: Python's level names as Kestra's.
LEVEL_NAMES = {"WARNING": "WARN", "CRITICAL": "ERROR"}

log = logging.getLogger("hushflow.server")


@click.group()
def server() -> None:
    """Run hushflow as a service.

    Today: `server local` runs the engine and the scheduler in one process.
    The web API and the UI come later (they will be served by the same
    `server local`).
    """


@server.command()
@click.option(
    "--flows", "flows_dir", type=click.Path(exists=True, file_okay=False),
    help="A folder of flows to deploy before starting.",
)  # fmt: skip
@click.option(
    "--workers", type=click.IntRange(1, 1024), default=8, show_default=True,
    help="How many task runs may run at once.",
)  # fmt: skip
@click.option(
    "--grace", type=click.FloatRange(0), default=10.0, show_default=True,
    help="On shutdown, seconds running executions get to finish before they are killed.",
)  # fmt: skip
def local(flows_dir: str | None, workers: int, grace: float) -> None:
    """Run the engine and the scheduler here until Ctrl-C or SIGTERM.

    Deploys --flows first, starts an execution for every due Schedule trigger,
    prints the (masked) log lines of executions as they run, and kills an
    execution when another process asks (`execution_commands`). No API or UI
    yet. Exit status 0 after a clean shutdown, 2 if a flow of --flows is invalid.
    """
    db = app.database()
    if flows_dir:
        _deploy(FlowRepository(db), flows_dir)
    stop = threading.Event()
    with _logging_to_terminal(), _stop_on_signals(stop):
        eng = Engine(db, secrets=app.secret_manager(db), workers=workers, on_log=print_entry)
        try:
            _serve(eng, stop, grace)
        finally:
            eng.close()
    click.echo("hushflow server stopped")


def _serve(eng: Engine, stop: threading.Event, grace: float) -> None:
    scheduler = Scheduler(eng)
    thread = threading.Thread(target=scheduler.run, args=(stop,), name="hushflow-scheduler")
    thread.start()
    click.echo("hushflow server local: engine and scheduler running (Ctrl-C to stop)")
    try:
        while not stop.wait(0.5):
            pass
    finally:
        stop.set()
        thread.join(30)
        drain(eng, eng.running(), grace)  # subflow children and restarts included


def _deploy(repo: FlowRepository, folder: str) -> None:
    bad = False

    def on_error(exc: FlowValidationError) -> None:
        nonlocal bad
        bad = True
        for line in exc.lines():
            click.echo(line, err=True)

    good = app.read_all(app.flow_files([folder]), on_error)
    if bad:
        raise click.exceptions.Exit(2)
    for path, flow in good:
        stored, status = repo.save(flow.namespace, flow.id, path.read_text(encoding="utf-8"))
        click.echo(f"{status:9} {flow.namespace}.{flow.id} revision {stored.revision}")


# -- shutdown -----------------------------------------------------------------


def drain(eng: Engine, execution_ids: Sequence[str], grace: float) -> None:
    """Let running executions finish for ``grace`` seconds, then kill the rest."""
    running = [i for i in execution_ids if eng.live(i) is not None]
    if running:
        log.info("stopping: %d executions running, waiting up to %gs", len(running), grace)
    _wait_all(eng, running, grace)
    left = [i for i in running if eng.live(i) is not None]
    for execution_id in left:
        with suppress(NotFound):
            eng.kill(execution_id)
            log.warning("execution %s: killed on shutdown", execution_id)
    _wait_all(eng, left, KILL_WAIT)


def _wait_all(eng: Engine, ids: Sequence[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for execution_id in ids:
        with suppress(TimeoutError):
            eng.wait(execution_id, max(0.0, deadline - time.monotonic()))


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop``; a second one ends the process at once.

    The previous handlers come back afterwards.
    """

    def handler(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            click.echo("Second signal: stopping now; executions in flight are abandoned", err=True)
            os._exit(1)
        stop.set()

    previous: dict[signal.Signals, Callable[[int, FrameType | None], object] | int | None] = {}
    for wanted in (signal.SIGINT, signal.SIGTERM):
        previous[wanted] = signal.signal(wanted, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


# -- what the terminal shows ----------------------------------------------------


def print_entry(entry: LogEntry) -> None:
    """An execution's log line (masked already), tagged with the execution."""
    stamp = entry.timestamp.strftime("%H:%M:%S.%f")[:-3]
    level = click.style(f"{entry.level:5}", fg=LEVEL_COLOURS.get(entry.level, "white"))
    task = f"[{entry.task_id}] " if entry.task_id else ""
    stream = sys.stderr if entry.level == "ERROR" else sys.stdout
    click.echo(f"{stamp} {level} {entry.execution_id} {task}{entry.message}", file=stream)


class _TerminalHandler(logging.Handler):
    """Log records as lines like the executions' (click drops colours off a terminal)."""

    def emit(self, record: logging.LogRecord) -> None:
        stamp = time.strftime("%H:%M:%S", time.gmtime(record.created))  # as log lines: UTC
        name = record.name.removeprefix("hushflow.")
        word = LEVEL_NAMES.get(record.levelname, record.levelname)
        level = click.style(f"{word:5}", fg=LEVEL_COLOURS.get(word, "white"))
        stream = sys.stderr if record.levelno >= logging.ERROR else sys.stdout
        line = f"{stamp}.{int(record.msecs):03d} {level} ({name}) {record.getMessage()}"
        click.echo(line, file=stream)


@contextmanager
def _logging_to_terminal() -> Iterator[None]:
    """What the scheduler and the server say goes to the terminal while serving."""
    handler = _TerminalHandler()
    root = logging.getLogger("hushflow")
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
