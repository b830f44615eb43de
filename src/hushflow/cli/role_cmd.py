"""``hushflow role``: managed roles and custom roles (sets of RESOURCE:ACTION permissions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from hushflow.cli.auth_common import OUTPUT_OPTION, auth_service, emit

if TYPE_CHECKING:
    from hushflow.auth.records import RoleInfo


def role_document(role: RoleInfo) -> dict[str, Any]:
    return {
        "id": role.id,
        "name": role.name,
        "description": role.description,
        "permissions": role.permissions,
        "managed": role.managed,
    }


def parse_permission_args(items: tuple[str, ...]) -> dict[str, list[str]]:
    """``FLOW:VIEW,LIST`` (repeatable) as ``{"FLOW": ["VIEW", "LIST"]}``."""
    spec: dict[str, list[str]] = {}
    for item in items:
        resource, sep, actions = item.partition(":")
        if not sep or not resource or not actions:
            raise click.BadParameter(
                f"expected RESOURCE:ACTION[,ACTION...], got {item!r}", param_hint="--permission"
            )
        spec.setdefault(resource.strip(), []).extend(a.strip() for a in actions.split(","))
    return spec


@click.group()
def role() -> None:
    """Roles: list, create and delete custom roles (managed roles cannot change)."""


@role.command("list")
@OUTPUT_OPTION
def list_(output: str) -> None:
    """Managed and custom roles with their permissions."""
    with auth_service() as auth:
        docs = [role_document(r) for r in auth.roles.all()]
    if output == "table":
        for doc in docs:
            perms = " ".join(f"{r}:{','.join(a)}" for r, a in doc["permissions"].items())
            doc["permissions"] = perms
    emit(
        output,
        docs,
        ["NAME", "MANAGED", "PERMISSIONS"],
        ["name", "managed", "permissions"],
    )


@role.command("create")
@click.argument("name")
@click.option(
    "--permission",
    "permissions",
    multiple=True,
    required=True,
    metavar="RESOURCE:ACTION[,ACTION]",
    help="E.g. FLOW:VIEW,LIST,EXECUTE (repeatable).",
)
@click.option("--description", default="")
def create(name: str, permissions: tuple[str, ...], description: str) -> None:
    """Create the custom role NAME; prints its id."""
    spec = parse_permission_args(permissions)
    with auth_service() as auth:
        made = auth.create_role(name, spec, description)
    click.echo(made.id)


@role.command("delete")
@click.argument("name")
def delete(name: str) -> None:
    """Delete the custom role NAME (refused while bindings use it)."""
    with auth_service() as auth:
        auth.roles.delete(name)
    click.echo(f"role '{name}' deleted")
