"""``hushflow execution``: read what runs stored."""

from __future__ import annotations

import json

import click

from hushflow.cli import app
from hushflow.cli.render import execution_document, print_log
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
def list_(namespace: str | None, flow_id: str | None, limit: int, output: str) -> None:
    """The newest executions first."""
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
def show(execution_id: str, output: str) -> None:
    """One execution with its task runs."""
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
def logs(execution_id: str, level: str) -> None:
    """The masked log lines of an execution."""
    db = app.database()
    ExecutionRepository(db).get(execution_id)
    for entry in LogRepository(db).for_execution(execution_id, min_level=level):
        print_log(entry)
