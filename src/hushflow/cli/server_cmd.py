"""``hushflow server``: hushflow as a long-running service.

``server local`` is the one-machine setup: the REST API (uvicorn), the engine
(executor and workers) and the scheduler in one process over the configured
database (SQLite by default), until SIGINT or SIGTERM. On the first start
with no users an ``admin`` is bootstrapped (see :mod:`hushflow.auth.service`).
The engine also acts on the ``kill`` and ``resume`` requests that other
processes leave in ``execution_commands``. Shutdown: the API stops accepting,
running executions get ``--grace`` seconds to finish, the rest are killed
(and recorded as KILLED) before the process exits.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from types import FrameType
from typing import TYPE_CHECKING

import click
from sqlalchemy import Engine as Database

from hushflow.cli import app
from hushflow.cli.render import LEVEL_COLOURS
from hushflow.engine.runner import Engine
from hushflow.engine.scheduler import Scheduler
from hushflow.errors import FlowValidationError, NotFound
from hushflow.models.execution import LogEntry
from hushflow.storage.repository import FlowRepository

if TYPE_CHECKING:
    import uvicorn

    from hushflow.api.settings import ServerSettings

#: After the grace period, how long killed executions get to stop.
KILL_WAIT = 10.0
#: On shutdown, how long open API connections (SSE followers) get before they are closed.
HTTP_DRAIN = 5.0

#: Python's level names as Kestra's.
LEVEL_NAMES = {"WARNING": "WARN", "CRITICAL": "ERROR"}

log = logging.getLogger("hushflow.server")


@click.group()
def server() -> None:
    """Run hushflow as a service.

    `server local` runs the REST API, the engine and the scheduler in one
    process (the UI will be served by the same `server local`).
    """


@server.command()
@click.option("--host", default=None, help="Address the API listens on.  [default: 127.0.0.1]")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None,
    help="Port of the API (0: any free port).  [default: 8080]",
)  # fmt: skip
@click.option(
    "--flows", "flows_dir", type=click.Path(exists=True, file_okay=False),
    help="A folder of flows to deploy before starting.",
)  # fmt: skip
@click.option(
    "--workers", type=click.IntRange(1, 1024), default=None,
    help="How many task runs may run at once.  [default: 8]",
)  # fmt: skip
@click.option(
    "--grace", type=click.FloatRange(0), default=None,
    help="On shutdown, seconds running executions get to finish before they are killed."
    "  [default: 10]",
)  # fmt: skip
def local(
    host: str | None,
    port: int | None,
    flows_dir: str | None,
    workers: int | None,
    grace: float | None,
) -> None:
    """Run the API, the engine and the scheduler here until Ctrl-C or SIGTERM.

    Settings come from `server:` in $HUSHFLOW_HOME/hushflow.yml, then
    HUSHFLOW_SERVER_* variables, then these options; an unknown one is an
    error. Deploys --flows first, bootstraps the admin user on first start,
    serves the API at http://HOST:PORT/api/v1/main, starts an execution for
    every due Schedule trigger and prints the (masked) log lines of
    executions as they run. Exit status 0 after a clean shutdown, 2 if a
    setting or a flow of --flows is invalid.
    """
    from hushflow.api.settings import load_settings

    overrides = {"host": host, "port": port, "flows": flows_dir, "workers": workers, "grace": grace}
    settings = load_settings(os.environ, overrides)
    db = app.database()
    if settings.flows:
        _deploy(FlowRepository(db), str(settings.flows))
    stop = threading.Event()
    with _logging_to_terminal(), _stop_on_signals(stop):
        manager = app.secret_manager(db)
        eng = Engine(db, secrets=manager, workers=settings.workers, on_log=print_entry)
        try:
            _serve(db, eng, stop, settings)
        finally:
            eng.close()
    click.echo("hushflow server stopped")


def _add_demo() -> None:
    from hushflow.cli.server_demo import demo

    server.add_command(demo)


_add_demo()


def _serve(db: Database, eng: Engine, stop: threading.Event, settings: ServerSettings) -> None:
    scheduler = Scheduler(eng)
    thread = threading.Thread(target=scheduler.run, args=(stop,), name="hushflow-scheduler")
    thread.start()
    http, http_thread = _start_api(db, eng, settings)
    try:
        while not stop.wait(0.5):
            if not http_thread.is_alive():
                click.echo("the API server stopped; shutting down", err=True)
                break
    finally:
        stop.set()
        http.should_exit = True  # stop accepting; open streams get HTTP_DRAIN seconds
        http_thread.join(HTTP_DRAIN + 5)
        thread.join(30)
        drain(eng, eng.running(), settings.grace)  # subflow children and restarts included


def _start_api(
    db: Database, eng: Engine, settings: ServerSettings
) -> tuple[uvicorn.Server, threading.Thread]:
    """Uvicorn in a thread (signals stay with the main thread), once it listens."""
    import uvicorn

    from hushflow.api.app import create_app
    from hushflow.auth.service import AuthService

    auth = AuthService(db, trusted_proxies=settings.trusted_proxies)
    boot = auth.bootstrap(os.environ)
    if boot.setup_token:
        click.echo(
            "First start: user 'admin' created. One-time setup token (shown once, valid 1 day): "
            f"{boot.setup_token}"
        )
    api = create_app(db, authenticator=auth, engine=eng, secrets=eng.secrets, settings=settings)
    config = uvicorn.Config(
        api, host=settings.host, port=settings.port, lifespan="off", log_level="warning",
        timeout_graceful_shutdown=int(HTTP_DRAIN), access_log=False,
    )  # fmt: skip
    http = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(http.serve()), name="hushflow-api")
    thread.start()
    deadline = time.monotonic() + 30
    while not http.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not http.started:
        http.should_exit = True
        thread.join(5)
        raise click.ClickException(f"the API could not listen on {settings.host}:{settings.port}")
    sockets = [s for server in http.servers for s in server.sockets]
    bound = sockets[0].getsockname() if sockets else (settings.host, settings.port)
    click.echo(
        f"hushflow server local: API on http://{bound[0]}:{bound[1]}/api/v1/main, "
        "engine and scheduler running (Ctrl-C to stop)"
    )
    return http, thread


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
