"""``hushflow service-account``: identities for machines (CI, scripts), with API tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from hushflow.cli.auth_common import OUTPUT_OPTION, auth_service, emit, iso

if TYPE_CHECKING:
    from hushflow.auth.records import ServiceAccount


def account_document(account: ServiceAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "description": account.description,
        "disabled": account.disabled,
        "created": iso(account.created),
    }


@click.group("service-account")
def service_account() -> None:
    """Service accounts: create, list, delete."""


@service_account.command("create")
@click.argument("name")
@click.option("--description", help="What the account is for.")
def create(name: str, description: str | None) -> None:
    """Create the service account NAME; prints its id."""
    with auth_service() as auth:
        made = auth.create_service_account(name, description)
    click.echo(made.id)


@service_account.command("list")
@OUTPUT_OPTION
def list_(output: str) -> None:
    """Every service account."""
    with auth_service() as auth:
        docs = [account_document(a) for a in auth.directory.service_accounts()]
    emit(
        output,
        docs,
        ["ID", "NAME", "DISABLED", "DESCRIPTION"],
        ["id", "name", "disabled", "description"],
    )


@service_account.command("delete")
@click.argument("name")
def delete(name: str) -> None:
    """Delete NAME with its bindings; its tokens are revoked."""
    with auth_service() as auth:
        auth.delete_service_account(name)
    click.echo(f"service account '{name}' deleted")
