"""``hushflow binding``: give a role to a user, group or service account on a namespace."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from hushflow.cli.auth_common import OUTPUT_OPTION, auth_service, emit, iso, subject

if TYPE_CHECKING:
    from hushflow.auth.records import Binding
    from hushflow.auth.service import AuthService


def binding_document(binding: Binding) -> dict[str, Any]:
    return {
        "id": binding.id,
        "type": binding.subject_type.value,
        "externalId": binding.subject_id,
        "roleId": binding.role_id,
        "namespace": binding.namespace,
        "created": iso(binding.created),
    }


@click.group()
def binding() -> None:
    """Bindings: which role a subject holds where (a namespace and its children)."""


@binding.command("create")
@click.option("--user")
@click.option("--group")
@click.option("--service-account")
@click.option("--role", "role_name", required=True, help="A managed or custom role.")
@click.option("--namespace", help="Where it applies (and below); default: the whole instance.")
def create(
    user: str | None,
    group: str | None,
    service_account: str | None,
    role_name: str,
    namespace: str | None,
) -> None:
    """Bind ROLE to exactly one subject; prints the binding's id."""
    from hushflow.auth.records import SubjectType

    kind, name = subject(user, service_account, group, groups=True)
    with auth_service() as auth:
        made = auth.bind(SubjectType(kind), name, role_name, namespace)
    click.echo(made.id)


@binding.command("list")
@click.option("--namespace", help="Only bindings on exactly this namespace.")
@OUTPUT_OPTION
def list_(namespace: str | None, output: str) -> None:
    """Every binding, with the subject's and the role's names."""
    with auth_service() as auth:
        found = auth.roles.bindings(namespace=namespace)
        names = _subject_names(auth)
        roles = {r.id: r.name for r in auth.roles.all()}
    docs = [binding_document(b) for b in found]
    for doc in docs:
        doc["subject"] = names.get((doc["type"], doc["externalId"]), doc["externalId"])
        doc["role"] = roles.get(doc["roleId"], doc["roleId"])
    emit(
        output,
        docs,
        ["ID", "TYPE", "SUBJECT", "ROLE", "NAMESPACE"],
        ["id", "type", "subject", "role", "namespace"],
    )


def _subject_names(auth: AuthService) -> dict[tuple[str, str], str]:
    names = {("USER", u.id): u.username for u in auth.directory.users()}
    names.update({("GROUP", g.id): g.name for g in auth.directory.groups()})
    names.update({("SERVICE_ACCOUNT", a.id): a.name for a in auth.directory.service_accounts()})
    return names


@binding.command("delete")
@click.argument("binding_id")
def delete(binding_id: str) -> None:
    """Delete the binding BINDING_ID."""
    with auth_service() as auth:
        auth.roles.unbind(binding_id)
    click.echo(f"binding {binding_id} deleted")
