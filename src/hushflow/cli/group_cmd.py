"""``hushflow group``: groups of users, so one binding can serve a whole team."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from hushflow.cli.auth_common import OUTPUT_OPTION, auth_service, emit

if TYPE_CHECKING:
    from hushflow.auth.records import Group


def group_document(group: Group) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "members": list(group.members),
    }


@click.group()
def group() -> None:
    """Groups: create, list, delete, add and remove members."""


@group.command("create")
@click.argument("name")
@click.option("--description", help="What the group is for.")
def create(name: str, description: str | None) -> None:
    """Create the group NAME; prints its id."""
    with auth_service() as auth:
        made = auth.directory.create_group(name, description)
    click.echo(made.id)


@group.command("list")
@OUTPUT_OPTION
def list_(output: str) -> None:
    """Every group with its members."""
    with auth_service() as auth:
        docs = [group_document(g) for g in auth.directory.groups()]
    emit(output, docs, ["ID", "NAME", "MEMBERS"], ["id", "name", "members"])


@group.command("delete")
@click.argument("name")
def delete(name: str) -> None:
    """Delete the group NAME and its bindings (its members stay)."""
    from hushflow.auth.records import SubjectType

    with auth_service() as auth:
        gone = auth.directory.delete_group(name)
        auth.roles.unbind_subject(SubjectType.GROUP, gone.id)
    click.echo(f"group '{name}' deleted")


@group.command("add-member")
@click.argument("name")
@click.argument("username")
def add_member(name: str, username: str) -> None:
    """Add USERNAME to the group NAME."""
    with auth_service() as auth:
        auth.directory.add_member(name, username)
    click.echo(f"'{username}' is in group '{name}'")


@group.command("remove-member")
@click.argument("name")
@click.argument("username")
def remove_member(name: str, username: str) -> None:
    """Remove USERNAME from the group NAME."""
    with auth_service() as auth:
        auth.directory.remove_member(name, username)
    click.echo(f"'{username}' is no longer in group '{name}'")
