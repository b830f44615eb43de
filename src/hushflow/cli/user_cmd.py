"""``hushflow user``: people who sign in (passwords never on the command line)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from hushflow.cli.auth_common import OUTPUT_OPTION, auth_service, emit, iso, read_password

if TYPE_CHECKING:
    from hushflow.auth.records import User


def user_document(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "disabled": user.disabled,
        "hasPassword": user.has_password,
        "groups": list(user.groups),
        "created": iso(user.created),
    }


@click.group()
def user() -> None:
    """Users: create, list, disable, set passwords."""


@user.command("create")
@click.argument("username")
@click.option("--email", help="The user's e-mail address.")
@click.option("--first-name")
@click.option("--last-name")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read a password (prompted on a terminal, else one line of stdin).",
)
def create(
    username: str,
    email: str | None,
    first_name: str | None,
    last_name: str | None,
    password_stdin: bool,
) -> None:
    """Create USERNAME. Without --password-stdin the user has no password (tokens or SSO only)."""
    password = read_password() if password_stdin else None
    with auth_service() as auth:
        made = auth.create_user(
            username, password, email=email, first_name=first_name, last_name=last_name
        )
    click.echo(made.id)


@user.command("list")
@OUTPUT_OPTION
def list_(output: str) -> None:
    """Every user (never a password)."""
    with auth_service() as auth:
        docs = [user_document(u) for u in auth.directory.users()]
    emit(
        output,
        docs,
        ["ID", "USERNAME", "EMAIL", "DISABLED", "PASSWORD", "GROUPS"],
        ["id", "username", "email", "disabled", "hasPassword", "groups"],
    )


@user.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable USERNAME: its sessions end, its tokens stop working (kept, not revoked)."""
    with auth_service() as auth:
        auth.set_disabled(username, True)
    click.echo(f"user '{username}' disabled")


@user.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Enable USERNAME again."""
    with auth_service() as auth:
        auth.set_disabled(username, False)
    click.echo(f"user '{username}' enabled")


@user.command("passwd")
@click.argument("username")
def passwd(username: str) -> None:
    """Set USERNAME's password (prompted, or one line of stdin); ends its sessions."""
    password = read_password()
    with auth_service() as auth:
        auth.set_password(username, password)
    click.echo(f"password of '{username}' changed")


@user.command("delete")
@click.argument("username")
def delete(username: str) -> None:
    """Delete USERNAME with its bindings; its tokens are revoked."""
    with auth_service() as auth:
        auth.delete_user(username)
    click.echo(f"user '{username}' deleted")
