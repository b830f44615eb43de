"""``hushflow flow``: validate, deploy and run flows."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from hushflow.cli import app
from hushflow.cli.interrupt import KILL_WAIT, Interrupted, interruptible
from hushflow.cli.render import execution_document, print_log
from hushflow.engine.runner import Engine
from hushflow.errors import FlowValidationError, InputError, NotFound
from hushflow.models.execution import Execution, LogEntry
from hushflow.models.flow import Flow
from hushflow.models.flow_source import read_flow
from hushflow.models.state import State


@click.group()
def flow() -> None:
    """Validate, deploy and run flows."""


def _report(exc: FlowValidationError) -> None:
    for line in exc.lines():
        click.echo(line, err=True)


@flow.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
def validate(paths: tuple[str, ...]) -> None:
    """Check flow files (or folders of them); print FILE:LINE:COL: message for each problem."""
    bad = 0

    def on_error(exc: FlowValidationError) -> None:
        nonlocal bad
        bad += 1
        _report(exc)

    files = app.flow_files(list(paths))
    good = app.read_all(files, on_error)
    for path, parsed in good:
        click.echo(f"{path}: ok ({parsed.namespace}.{parsed.id}, {len(parsed.all_tasks())} tasks)")
    if bad:
        raise click.exceptions.Exit(2)


@flow.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
def deploy(paths: tuple[str, ...]) -> None:
    """Store flows (files or folders); print created/updated/unchanged with the revision."""
    failed = False

    def on_error(exc: FlowValidationError) -> None:
        nonlocal failed
        failed = True
        _report(exc)

    good = app.read_all(app.flow_files(list(paths)), on_error)
    if failed:
        raise click.exceptions.Exit(2)
    repo = app.engine(app.database()).flows
    for path, parsed in good:
        stored, status = repo.save(parsed.namespace, parsed.id, path.read_text(encoding="utf-8"))
        click.echo(f"{status:9} {parsed.namespace}.{parsed.id} revision {stored.revision}")


def _parse_inputs(pairs: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"'{pair}' is not KEY=VALUE", param_hint="--input")
        out[key] = value
    return out


@flow.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--input", "-i", "inputs", multiple=True, metavar="KEY=VALUE", help="An input value.")
@click.option(
    "--flows", "flows_dir", type=click.Path(exists=True, file_okay=False),
    help="A folder of flows to deploy first (for subflows).",
)  # fmt: skip
@click.option(
    "--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def run(file: str, inputs: tuple[str, ...], flows_dir: str | None, output: str) -> None:
    """Deploy FILE, execute it, print its masked logs and final state.

    Exit status: 0 on SUCCESS or WARNING, 1 on FAILED or KILLED, 2 on an
    invalid flow or invalid inputs.
    """
    raw_inputs = _parse_inputs(inputs)
    try:
        parsed = read_flow(file)
        app.check_triggers(Path(file), parsed)
    except FlowValidationError as exc:
        _report(exc)
        raise click.exceptions.Exit(2) from None
    db = app.database()
    on_log = None if output == "json" else _live_printer()
    eng = app.engine(db, on_log=on_log)
    try:
        if flows_dir:
            extra = app.read_all(app.flow_files([flows_dir]), _report)
            for path, other in extra:
                eng.flows.save(other.namespace, other.id, path.read_text(encoding="utf-8"))
        stored, _ = eng.flows.save(
            parsed.namespace, parsed.id, Path(file).read_text(encoding="utf-8")
        )
        done = _execute(eng, parsed, raw_inputs, stored.revision)
        logs = eng.logs.for_execution(done.id)
    finally:
        eng.close()
    if output == "json":
        click.echo(json.dumps(execution_document(done, logs), indent=2, ensure_ascii=False))
    else:
        _summary(done)
    raise click.exceptions.Exit(0 if done.state in (State.SUCCESS, State.WARNING) else 1)


def _execute(eng: Engine, flow: Flow, inputs: dict[str, Any], revision: int) -> Execution:
    """Submit and wait; on SIGINT/SIGTERM kill the execution, wait (bounded), exit 128+signal."""
    execution: Execution | None = None
    try:
        with interruptible():
            try:
                execution = eng.submit(flow, inputs, revision=revision)
            except InputError as exc:
                click.echo(f"Error: {exc}", err=True)
                raise click.exceptions.Exit(2) from None
            return eng.wait(execution.id)
    except Interrupted as stop:
        if execution is not None:
            _kill(eng, execution.id, stop)
        raise click.exceptions.Exit(stop.exit_code) from None


def _kill(eng: Engine, execution_id: str, stop: Interrupted) -> None:
    click.echo(f"\n{signal_name(stop)}: killing execution {execution_id}", err=True)
    with interruptible():
        try:
            eng.kill(execution_id)
            done = eng.wait(execution_id, KILL_WAIT)
            click.echo(f"Execution {execution_id}: {done.state.value}", err=True)
        except (NotFound, TimeoutError):
            click.echo(f"Execution {execution_id}: not stopped within {KILL_WAIT:g}s", err=True)
        except Interrupted:
            pass


def signal_name(stop: Interrupted) -> str:
    """``SIGINT``/``SIGTERM`` as a user reads it."""
    return "Interrupted" if stop.signum == 2 else "Terminated"


def _live_printer() -> Any:
    def printer(entry: LogEntry) -> None:
        print_log(entry, stream=sys.stderr if entry.level == "ERROR" else sys.stdout)

    return printer


def _summary(done: Any) -> None:
    colour = {"SUCCESS": "green", "WARNING": "yellow"}.get(done.state.value, "red")
    state = click.style(done.state.value, fg=colour, bold=True)
    click.echo(f"Execution {done.id} of {done.namespace}.{done.flow_id}: {state}")
    if done.outputs:
        click.echo("Outputs: " + json.dumps(done.outputs, ensure_ascii=False))
