"""What the ``user``, ``token``, ``role``, ``binding`` and ``service-account`` commands share.

Kept free of heavy imports: the auth service (argon2, SQLAlchemy) is loaded
inside :func:`auth_service`, when a command runs, so ``hushflow --help`` stays fast.
These commands act on the local database directly, as its administrator.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from hushflow.auth.service import AuthService

OUTPUTS = click.Choice(["table", "json"])
OUTPUT_OPTION = click.option(
    "--output", "-o", type=OUTPUTS, default="table", show_default=True, help="Output format."
)
_SHORT = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@contextmanager
def auth_service() -> Iterator[AuthService]:
    """An :class:`AuthService` on the configured database, disposed afterwards."""
    from hushflow.auth.service import AuthService
    from hushflow.storage.database import open_database

    engine = open_database()
    try:
        yield AuthService(engine)
    finally:
        engine.dispose()


def stamp(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else "-"


def iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def table(rows: list[list[str]], headers: list[str]) -> None:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    for row in [headers, *rows]:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())


def emit(output: str, docs: list[dict[str, Any]], headers: list[str], keys: list[str]) -> None:
    """``docs`` as JSON, or as a table of the ``keys`` columns."""
    if output == "json":
        click.echo(json.dumps(docs, indent=2))
        return
    table([[_cell(d.get(k)) for k in keys] for d in docs], headers)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ",".join(map(str, value)) or "-"
    return str(value)


def parse_max_age(text: str | None) -> timedelta | None:
    """``30d``, ``12h``, ``90m`` or an ISO-8601 duration (``P30D``, ``PT12H``)."""
    if text is None:
        return None
    short = _SHORT.match(text.strip())
    if short:
        return timedelta(**{_UNITS[short.group(2)]: int(short.group(1))})
    from hushflow.models.duration import parse_duration

    try:
        return parse_duration(text)
    except ValueError:
        raise click.BadParameter(
            f"'{text}' is not a duration (examples: 30d, 12h, P30D, PT12H)", param_hint="--max-age"
        ) from None


def read_password(confirm: bool = True) -> str:
    """A password from the terminal (hidden, confirmed) or from stdin (one line)."""
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=confirm))
    value = sys.stdin.readline()
    return value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")


def subject(
    user: str | None,
    service_account: str | None,
    group: str | None = None,
    *,
    groups: bool = False,
) -> tuple[str, str]:
    """``(SUBJECT_TYPE, name)`` from exactly one of ``--user/--service-account[/--group]``."""
    given = [
        (kind, name)
        for kind, name in (("USER", user), ("SERVICE_ACCOUNT", service_account), ("GROUP", group))
        if name is not None
    ]
    if len(given) != 1:
        options = (
            "--user, --group or --service-account" if groups else "--user or --service-account"
        )
        raise click.UsageError(f"give exactly one of {options}")
    return given[0]
