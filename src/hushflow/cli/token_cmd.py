"""``hushflow token``: API tokens for users and service accounts, shown once."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from hushflow.cli.auth_common import (
    OUTPUT_OPTION,
    auth_service,
    emit,
    iso,
    parse_max_age,
    subject,
)

if TYPE_CHECKING:
    from hushflow.auth.records import TokenInfo


def token_document(info: TokenInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "name": info.name,
        "prefix": info.prefix,
        "ownerType": info.owner_type.value,
        "ownerId": info.owner_id,
        "description": info.description,
        "created": iso(info.created),
        "expires": iso(info.expires),
        "lastUsed": iso(info.last_used),
        "revoked": iso(info.revoked),
    }


@click.group()
def token() -> None:
    """API tokens: create (shown once), list, revoke."""


@token.command("create")
@click.option("--user", help="The user the token acts as.")
@click.option("--service-account", help="The service account the token acts as.")
@click.option("--name", required=True, help="A name to tell the token apart.")
@click.option("--description")
@click.option("--max-age", help="Lifetime: 30d, 12h, P30D... (default: until revoked).")
def create(
    user: str | None,
    service_account: str | None,
    name: str,
    description: str | None,
    max_age: str | None,
) -> None:
    """Create a token. Prints it once on stdout: store it now, it cannot be shown again."""
    from hushflow.auth.records import SubjectType

    kind, owner = subject(user, service_account)
    age = parse_max_age(max_age)
    with auth_service() as auth:
        issued = auth.create_token(
            SubjectType(kind), owner, name, description=description, max_age=age
        )
    click.echo(f"token {issued.info.id} ({issued.info.prefix}...) created", err=True)
    if sys.stdout.isatty():
        click.echo("This is the only time it is shown:", err=True)
    click.echo(issued.value)


@token.command("list")
@click.option("--user", help="Only this user's tokens.")
@click.option("--service-account", help="Only this service account's tokens.")
@OUTPUT_OPTION
def list_(user: str | None, service_account: str | None, output: str) -> None:
    """Tokens (prefix and metadata; never the token)."""
    from hushflow.auth.records import SubjectType

    with auth_service() as auth:
        if user is None and service_account is None:
            found = auth.tokens.all()
        else:
            kind, owner = subject(user, service_account)
            owner_type = SubjectType(kind)
            found = auth.tokens.all(owner_type, auth.subject_id(owner_type, owner))
    emit(
        output,
        [token_document(t) for t in found],
        ["ID", "NAME", "PREFIX", "OWNER", "EXPIRES", "LAST USED", "REVOKED"],
        ["id", "name", "prefix", "ownerId", "expires", "lastUsed", "revoked"],
    )


@token.command("revoke")
@click.argument("token_id")
def revoke(token_id: str) -> None:
    """Revoke the token TOKEN_ID: it stops working at once."""
    with auth_service() as auth:
        auth.revoke_token(token_id)
    click.echo(f"token {token_id} revoked")
