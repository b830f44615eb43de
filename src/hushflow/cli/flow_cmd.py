"""``hushflow flow``: validate, deploy and run flows."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine as Database

from hushflow.cli import app, lint_support
from hushflow.cli.interrupt import KILL_WAIT, Interrupted, interruptible
from hushflow.cli.render import execution_document, print_log
from hushflow.cli.server_option import server_option
from hushflow.engine.runner import Engine
from hushflow.errors import FlowValidationError, HushflowError, InputError, NotFound
from hushflow.lint import ManagerLocator, Severity
from hushflow.lint.formats import FORMATS
from hushflow.models.execution import Execution, LogEntry
from hushflow.models.flow import Flow
from hushflow.models.flow_source import read_flow
from hushflow.models.state import State
from hushflow.storage.repository import FlowRepository


@click.group()
def flow() -> None:
    """Validate, deploy and run flows."""


def _report(exc: FlowValidationError) -> None:
    for line in exc.lines():
        click.echo(line, err=True)


@flow.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@server_option
def validate(paths: tuple[str, ...], server: str | None) -> None:
    """Check flow files (or folders of them); print FILE:LINE:COL: message for each problem."""
    if server:
        _validate_remote(server, app.flow_files(list(paths)))
        return
    bad = 0

    def on_error(exc: FlowValidationError) -> None:
        nonlocal bad
        bad += 1
        _report(exc)

    files = app.flow_files(list(paths))
    good = app.read_all(files, on_error)
    sources = lint_support.read_sources([path for path, _ in good], on_error)
    reports = {r.file: r for r in lint_support.lint_sources(sources, on_error)}
    blocked = False
    for path, parsed in good:
        click.echo(f"{path}: ok ({parsed.namespace}.{parsed.id}, {len(parsed.all_tasks())} tasks)")
        report = reports.get(str(path))
        if report is not None:
            lint_support.echo_findings(report)
            blocked = blocked or report.blocks
    if bad:
        raise click.exceptions.Exit(2)
    if blocked:
        click.echo("lint errors would block deploying (lint.block_on_error)", err=True)
        raise click.exceptions.Exit(1)


@flow.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@server_option
def deploy(paths: tuple[str, ...], server: str | None) -> None:
    """Store flows (files or folders); print created/updated/unchanged with the revision."""
    if server:
        _deploy_remote(server, app.flow_files(list(paths)))
        return
    failed = False

    def on_error(exc: FlowValidationError) -> None:
        nonlocal failed
        failed = True
        _report(exc)

    good = app.read_all(app.flow_files(list(paths)), on_error)
    sources = lint_support.read_sources([path for path, _ in good], on_error)
    if failed:
        raise click.exceptions.Exit(2)
    db = app.database()
    repo = FlowRepository(db)
    with _locator(db) as locator:
        reports = lint_support.lint_sources(
            sources, on_error, secrets=locator, fallback=_stored_source(repo)
        )
    by_file = {r.file: r for r in reports}
    refused = False
    for (path, parsed), (_, source) in zip(good, sources, strict=True):
        report = by_file.get(str(path))
        if report is not None:
            lint_support.echo_findings(report)
            if report.blocks:
                refused = True
                name = f"{parsed.namespace}.{parsed.id}"
                click.echo(f"refused   {name}: lint errors (lint.block_on_error)", err=True)
                continue
        stored, status = repo.save(parsed.namespace, parsed.id, source)
        click.echo(f"{status:9} {parsed.namespace}.{parsed.id} revision {stored.revision}")
    if refused:
        raise click.exceptions.Exit(1)


def _validate_remote(server: str, files: list[Path]) -> None:
    """The server validates each file; the output is the local command's."""
    from hushflow.cli.remote import Remote, detail_lines

    bad = 0
    with Remote.from_env(server) as remote:
        for path in files:
            for verdict in remote.validate_flows(path.read_text(encoding="utf-8")):
                if verdict.get("details"):
                    bad += 1
                    for line in detail_lines(str(path), verdict["details"]):
                        click.echo(line, err=True)
                    continue
                name = f"{verdict.get('namespace')}.{verdict.get('flow')}"
                click.echo(f"{path}: ok ({name}{_task_count(path)})")
                for w in verdict.get("warnings") or []:
                    rule = f"[{w['rule']}]" if w.get("rule") else ""
                    click.echo(f"{path}:{w.get('line')}:{w.get('column')}: "
                               f"warning{rule}: {w.get('message')}")  # fmt: skip
    if bad:
        raise click.exceptions.Exit(2)


def _task_count(path: Path) -> str:
    """``, N tasks`` as the local command prints it, when this machine can parse the file too."""
    try:
        return f", {len(read_flow(path).all_tasks())} tasks"
    except HushflowError:
        return ""


def _deploy_remote(server: str, files: list[Path]) -> None:
    """Check each file here (positions name the file), lint it offline, then store it remotely."""
    from hushflow.cli.remote import Remote, RemoteError, detail_lines

    failed = False

    def on_error(exc: FlowValidationError) -> None:
        nonlocal failed
        failed = True
        _report(exc)

    good = app.read_all(files, on_error)
    sources = lint_support.read_sources([path for path, _ in good], on_error)
    if failed:
        raise click.exceptions.Exit(2)
    by_file = {r.file: r for r in lint_support.lint_sources(sources, on_error)}
    refused = False
    with Remote.from_env(server) as remote:
        for (path, parsed), (_, source) in zip(good, sources, strict=True):
            name = f"{parsed.namespace}.{parsed.id}"
            report = by_file.get(str(path))
            if report is not None:
                lint_support.echo_findings(report)
                if report.blocks:
                    refused = True
                    click.echo(f"refused   {name}: lint errors (lint.block_on_error)", err=True)
                    continue
            try:
                saved = remote.deploy_flow(parsed.namespace, parsed.id, source)
            except RemoteError as exc:
                if not exc.details:
                    raise
                for line in detail_lines(str(path), exc.details):
                    click.echo(line, err=True)
                raise click.exceptions.Exit(exc.exit_code) from None
            click.echo(f"{saved.status:9} {name} revision {saved.revision}")
    if refused:
        raise click.exceptions.Exit(1)


@contextmanager
def _locator(db: Database) -> Iterator[ManagerLocator | None]:
    """Where keys resolve, for root-namespace-secret; None when no store can be opened."""
    try:
        manager = app.secret_manager(db)
    except HushflowError:
        yield None
        return
    try:
        yield ManagerLocator(manager)
    finally:
        manager.close()


def _stored_source(repo: FlowRepository) -> Callable[[str, str], str | None]:
    def source(namespace: str, flow_id: str) -> str | None:
        try:
            return repo.get(namespace, flow_id).source
        except HushflowError:
            return None

    return source


@flow.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="text",
    show_default=True,
    help="text, json (versioned), sarif (2.1.0) or github.",
)
@click.option(
    "--min-severity",
    type=click.Choice([s.value for s in Severity]),
    default="info",
    show_default=True,
    help="Leave out findings below this severity.",
)
@click.option(
    "--secrets",
    "use_secrets",
    is_flag=True,
    help="Ask the configured secret manager where each key resolves "
    "(root-namespace-secret); without it linting is offline.",
)
def lint(paths: tuple[str, ...], fmt: str, min_severity: str, use_secrets: bool) -> None:
    """Check flows against the secret best practices (the expression AST, not text).

    Exit status: 0 clean or warnings only, 1 an error-severity finding (SARIF
    always 0: the scanning UI decides), 2 a file that is not valid YAML.
    Silence one finding with a YAML comment: '# hushflow: ignore[RULE] reason'.
    """
    bad = False

    def on_error(exc: FlowValidationError) -> None:
        nonlocal bad
        bad = True
        _report(exc)

    sources = lint_support.read_sources(app.flow_files(list(paths)), on_error)
    if use_secrets:
        with _locator(app.database()) as locator:
            reports = lint_support.lint_sources(sources, on_error, secrets=locator)
    else:
        reports = lint_support.lint_sources(sources, on_error)
    reports = lint_support.at_least(reports, Severity(min_severity))
    output = FORMATS[fmt](reports)
    if output:
        click.echo(output)
    if bad:
        raise click.exceptions.Exit(2)
    if fmt != "sarif" and any(r.has_errors for r in reports):
        raise click.exceptions.Exit(1)


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
        logs = eng.logs.for_execution(done.id) if output == "json" else []
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
