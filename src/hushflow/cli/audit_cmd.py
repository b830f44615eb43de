"""``hushflow audit``: who read or changed which secret, when (never a value)."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import Engine

from hushflow.cli.home import open_home_database
from hushflow.secrets.audit import AuditEvent, AuditLog
from hushflow.secrets.master_key import MasterKeySource

RELATIVE = re.compile(r"^(\d+)([smhd])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_since(text: str) -> datetime:
    """``30m``, ``2h``, ``7d`` ago, or an ISO date/time (UTC when no offset)."""
    match = RELATIVE.match(text.strip())
    if match:
        delta = timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
        return datetime.now(UTC) - delta
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            "use 30m, 2h, 7d or an ISO date such as 2026-01-31T12:00", param_hint="--since"
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _doc(e: AuditEvent) -> dict[str, object]:
    return {
        "at": e.at.isoformat() if e.at else None,
        "action": e.action,
        "actor": e.actor,
        "namespace": e.namespace,
        "key": e.key,
        "version": e.version,
        "backend": e.backend,
        "sourceNamespace": e.source_namespace,
        "executionId": e.execution_id,
        "taskRunId": e.task_run_id,
        "flowId": e.flow_id,
        "valueHmac": e.value_hmac,
        "detail": e.detail,
    }


def _line(e: AuditEvent) -> str:
    at = e.at.strftime("%Y-%m-%d %H:%M:%S") if e.at else "-"
    who = e.actor or "-"
    run = (
        f" execution={e.execution_id} task={e.task_run_id} flow={e.flow_id}"
        if e.execution_id
        else ""
    )
    origin = f" from={e.source_namespace}" if e.source_namespace not in (None, e.namespace) else ""
    version = f" v{e.version}" if e.version is not None else ""
    backend = f" [{e.backend}]" if e.backend else ""
    detail = f" {e.detail}" if e.detail else ""
    target = f"{e.namespace}/{e.key}{version}{origin}{backend}"
    return f"{at}  {e.action:<11} {target} by {who}{run}{detail}"


@click.group()
def audit() -> None:
    """The secret audit log."""


@audit.command("list")
@click.option("--namespace", help="Only this namespace.")
@click.option("--key", help="Only this key (any case).")
@click.option("--since", help="Only events since: 30m, 2h, 7d or an ISO date/time.")
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--output", "-o", type=click.Choice(["table", "json"]), default="table")
def list_(
    namespace: str | None, key: str | None, since: str | None, limit: int, output: str
) -> None:
    """Reads by runs and changes by people, newest first."""
    engine: Engine = open_home_database()
    try:
        log = AuditLog(engine, MasterKeySource(os.environ))
        events = log.events(
            namespace=namespace,
            key=key,
            since=parse_since(since) if since else None,
            limit=limit,
        )
    finally:
        engine.dispose()
    if output == "json":
        click.echo(json.dumps([_doc(e) for e in events], indent=2))
    else:
        for event in events:
            click.echo(_line(event))
