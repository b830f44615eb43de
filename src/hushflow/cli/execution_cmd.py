"""``hushflow execution``: read what runs stored."""

from __future__ import annotations

import json
import time

import click

from hushflow.cli import app
from hushflow.cli.render import execution_document, print_log, print_logs
from hushflow.cli.server_option import server_option
from hushflow.engine.commands import CommandQueue
from hushflow.engine.recovery import end_abandoned, is_abandoned
from hushflow.errors import HushflowError
from hushflow.models.state import State
from hushflow.storage.repository import ExecutionRepository, LogRepository


@click.group()
def execution() -> None:
    """List and inspect executions."""


@execution.command("list")
@click.option("--namespace", "-n", help="Only this namespace (and those under it).")
@click.option("--flow", "flow_id", help="Only this flow id.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@server_option
def list_(
    namespace: str | None, flow_id: str | None, limit: int, output: str, server: str | None
) -> None:
    """The newest executions first."""
    if server:
        _list_remote(server, namespace, flow_id, limit, output)
        return
    rows = ExecutionRepository(app.database()).list(namespace, flow_id, limit)
    if output == "json":
        click.echo(json.dumps([execution_document(r) for r in rows], indent=2))
        return
    for ex in rows:
        when = f"{ex.created:%Y-%m-%d %H:%M:%S}"
        click.echo(f"{ex.id}  {when}  {ex.state.value:8}  {ex.namespace}.{ex.flow_id}")


@execution.command()
@click.argument("execution_id")
@click.option(
    "--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@server_option
def show(execution_id: str, output: str, server: str | None) -> None:
    """One execution with its task runs."""
    if server:
        _show_remote(server, execution_id, output)
        return
    ex = ExecutionRepository(app.database()).get(execution_id)
    if output == "json":
        click.echo(json.dumps(execution_document(ex), indent=2))
        return
    click.echo(f"{ex.id}  {ex.namespace}.{ex.flow_id} rev {ex.flow_revision}  {ex.state.value}")
    for run in ex.task_runs:
        value = f" [{run.value}]" if run.value is not None else ""
        click.echo(f"  {run.state.value:8} {run.task_id}{value}  attempts={len(run.attempts)}")
    if ex.outputs:
        click.echo("outputs: " + json.dumps(ex.outputs))


@execution.command()
@click.argument("execution_id")
@click.option(
    "--level", type=click.Choice(["ERROR", "WARN", "INFO", "DEBUG", "TRACE"]), default="TRACE"
)
@server_option
def logs(execution_id: str, level: str, server: str | None) -> None:
    """The masked log lines of an execution."""
    if server:
        from hushflow.cli.remote import Remote
        from hushflow.cli.remote_shapes import log_entry

        with Remote.from_env(server) as remote:
            for doc in remote.logs(execution_id, level):
                print_log(log_entry(doc))
        return
    db = app.database()
    ExecutionRepository(db).get(execution_id)
    print_logs(LogRepository(db).stream(execution_id, min_level=level))


@execution.command()
@click.argument("execution_id")
@click.option(
    "--wait", "wait_s", default=10.0, show_default=True, help="Seconds to wait for it to stop."
)
@server_option
def kill(execution_id: str, wait_s: float, server: str | None) -> None:
    """Stop a running execution (in whichever hushflow process runs it)."""
    if server:
        _kill_remote(server, execution_id, wait_s)
        return
    db = app.database()
    repo = ExecutionRepository(db)
    ex = repo.get(execution_id)
    if ex.state.terminal:
        raise HushflowError(f"execution {execution_id} already ended: {ex.state.value}")
    if is_abandoned(db, execution_id):  # its process died: nobody would take the command
        end_abandoned(db, execution_id)
        click.echo(f"{execution_id}: KILLED (its hushflow process is gone)")
        return
    CommandQueue(db).request(execution_id, "kill")
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        ex = repo.get(execution_id)
        if ex.state.terminal:
            click.echo(f"{execution_id}: {ex.state.value}")
            return
        time.sleep(0.2)
    click.echo(f"{execution_id}: kill requested; no running hushflow process has taken it yet")


def _list_remote(
    server: str, namespace: str | None, flow_id: str | None, limit: int, output: str
) -> None:
    from hushflow.cli.remote import Remote
    from hushflow.cli.remote_shapes import created_of, execution_document, state_of

    with Remote.from_env(server) as remote:
        rows = remote.executions(namespace, flow_id, limit)
    if output == "json":
        click.echo(json.dumps([execution_document(r) for r in rows], indent=2))
        return
    for doc in rows:
        created = created_of(doc)
        stamp = f"{created:%Y-%m-%d %H:%M:%S}" if created else "-"
        name = f"{doc.get('namespace')}.{doc.get('flowId')}"
        click.echo(f"{doc.get('id')}  {stamp}  {state_of(doc):8}  {name}")


def _show_remote(server: str, execution_id: str, output: str) -> None:
    from hushflow.cli.remote import Remote
    from hushflow.cli.remote_shapes import execution_document

    with Remote.from_env(server) as remote:
        doc = execution_document(remote.execution(execution_id))
    if output == "json":
        click.echo(json.dumps(doc, indent=2))
        return
    name = f"{doc['namespace']}.{doc['flowId']}"
    click.echo(f"{doc['id']}  {name} rev {doc['flowRevision']}  {doc['state']}")
    for run in doc["taskRuns"]:
        value = f" [{run['value']}]" if run["value"] is not None else ""
        click.echo(f"  {run['state']:8} {run['taskId']}{value}  attempts={len(run['attempts'])}")
    if doc["outputs"]:
        click.echo("outputs: " + json.dumps(doc["outputs"]))


def _kill_remote(server: str, execution_id: str, wait_s: float) -> None:
    """Ask the server to kill, then watch the execution end (as the local command does)."""
    from hushflow.cli.remote import Remote
    from hushflow.cli.remote_shapes import state_of

    with Remote.from_env(server) as remote:
        state = state_of(remote.kill(execution_id))
        deadline = time.monotonic() + wait_s
        while not _ended(state) and time.monotonic() < deadline:
            time.sleep(0.2)
            state = state_of(remote.execution(execution_id))
    if _ended(state):
        click.echo(f"{execution_id}: {state}")
    else:
        click.echo(f"{execution_id}: kill requested; no running hushflow process has taken it yet")


def _ended(state: str) -> bool:
    try:
        return State(state).terminal
    except ValueError:
        return False


@execution.command()
@click.argument("execution_id")
def resume(execution_id: str) -> None:
    """Resume a paused execution (in whichever hushflow process runs it)."""
    db = app.database()
    ex = ExecutionRepository(db).get(execution_id)
    if ex.state != State.PAUSED:
        raise HushflowError(f"execution {execution_id} is {ex.state.value}, not PAUSED")
    CommandQueue(db).request(execution_id, "resume")
    click.echo(f"{execution_id}: resume requested")


@execution.command()
@click.argument("execution_id")
def restart(execution_id: str) -> None:
    """Run a FAILED or KILLED execution again from its failed tasks, and wait for it."""
    db = app.database()
    eng = app.engine(db, on_log=print_log)
    try:
        eng.restart(execution_id)
        done = eng.wait(execution_id)
    finally:
        eng.close()
    click.echo(f"Execution {done.id} of {done.namespace}.{done.flow_id}: {done.state.value}")
    raise click.exceptions.Exit(0 if done.state in (State.SUCCESS, State.WARNING) else 1)
