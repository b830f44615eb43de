"""Permissions as resource and action, roles as sets of them, bindings on namespaces.

This is Kestra 2.0's model, trimmed: a *role* is a named set of
``(resource, action)`` permissions; a *binding* gives a role to a user, a
group or a service account on a namespace (or on the whole instance when the
namespace is ``None``). A binding on ``company.team`` covers that namespace
and every child (``company.team.etl``), never a parent (``company``) nor a
sibling that merely shares a prefix (``company.teamb``).

Everything here is pure data and pure functions: :func:`authorize` in
``hushflow.auth.authorize`` is the one place a permission is checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from enum import StrEnum


class Resource(StrEnum):
    """What a permission is about."""

    FLOW = "FLOW"
    EXECUTION = "EXECUTION"
    SECRET = "SECRET"
    KVSTORE = "KVSTORE"
    NAMESPACE = "NAMESPACE"
    AUDITLOG = "AUDITLOG"
    USER = "USER"
    ROLE = "ROLE"
    BINDING = "BINDING"
    SERVICE_ACCOUNT = "SERVICE_ACCOUNT"


class Action(StrEnum):
    """What may be done to a resource (not every action applies to every resource)."""

    VIEW = "VIEW"
    LIST = "LIST"
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    EXECUTE = "EXECUTE"
    KILL = "KILL"
    RESTART = "RESTART"
    RESUME = "RESUME"
    ACCESS_LOGS = "ACCESS_LOGS"
    ACCESS_OUTPUTS = "ACCESS_OUTPUTS"
    EVAL = "EVAL"


#: The actions each resource knows. No SECRET action reveals a value: there is none.
RESOURCE_ACTIONS: dict[Resource, frozenset[Action]] = {
    Resource.FLOW: frozenset(
        {Action.VIEW, Action.LIST, Action.CREATE, Action.UPDATE, Action.DELETE, Action.EXECUTE}
    ),
    Resource.EXECUTION: frozenset(
        {
            Action.VIEW,
            Action.LIST,
            Action.DELETE,
            Action.KILL,
            Action.RESTART,
            Action.RESUME,
            Action.ACCESS_LOGS,
            Action.ACCESS_OUTPUTS,
            Action.EVAL,
        }
    ),
    Resource.SECRET: frozenset({Action.LIST, Action.CREATE, Action.UPDATE, Action.DELETE}),
    Resource.KVSTORE: frozenset(
        {Action.VIEW, Action.LIST, Action.CREATE, Action.UPDATE, Action.DELETE}
    ),
    Resource.NAMESPACE: frozenset({Action.VIEW, Action.UPDATE}),
    Resource.AUDITLOG: frozenset({Action.VIEW, Action.LIST}),
    Resource.USER: frozenset(
        {Action.VIEW, Action.LIST, Action.CREATE, Action.UPDATE, Action.DELETE}
    ),
    Resource.ROLE: frozenset(
        {Action.VIEW, Action.LIST, Action.CREATE, Action.UPDATE, Action.DELETE}
    ),
    Resource.BINDING: frozenset(
        {Action.VIEW, Action.LIST, Action.CREATE, Action.UPDATE, Action.DELETE}
    ),
    Resource.SERVICE_ACCOUNT: frozenset(
        {Action.VIEW, Action.LIST, Action.CREATE, Action.UPDATE, Action.DELETE}
    ),
}

#: Resources that exist only instance-wide: a namespaced binding never grants them.
INSTANCE_RESOURCES = frozenset(
    {Resource.AUDITLOG, Resource.USER, Resource.ROLE, Resource.BINDING, Resource.SERVICE_ACCOUNT}
)

Permission = tuple[Resource, Action]


def permissions(spec: Mapping[Resource, Set[Action]]) -> frozenset[Permission]:
    """Flatten ``{resource: {actions}}`` into a set of pairs, refusing unknown actions."""
    out: set[Permission] = set()
    for resource, actions in spec.items():
        unknown = set(actions) - RESOURCE_ACTIONS[resource]
        if unknown:
            names = ", ".join(sorted(a.value for a in unknown))
            raise ValueError(f"{resource.value} has no action {names}")
        out.update((resource, action) for action in actions)
    return frozenset(out)


def _all(resources: list[Resource]) -> dict[Resource, frozenset[Action]]:
    return {r: RESOURCE_ACTIONS[r] for r in resources}


_NAMESPACED = [
    Resource.FLOW,
    Resource.EXECUTION,
    Resource.SECRET,
    Resource.KVSTORE,
    Resource.NAMESPACE,
]


@dataclass(frozen=True)
class Role:
    """A named set of permissions; ``managed`` roles ship with hushflow and cannot change."""

    name: str
    permissions: frozenset[Permission]
    description: str = ""
    managed: bool = False

    def allows(self, resource: Resource, action: Action) -> bool:
        """Whether this role holds ``action`` on ``resource``."""
        return (resource, action) in self.permissions


_VIEW_EXECUTIONS = {
    Action.VIEW,
    Action.LIST,
    Action.ACCESS_LOGS,
    Action.ACCESS_OUTPUTS,
}

#: The roles every installation has. ``editor`` manages flows but never secrets.
MANAGED_ROLES: dict[str, Role] = {
    role.name: role
    for role in (
        Role(
            "admin",
            permissions(_all(list(Resource))),
            "Everything, on the namespaces it is bound to (instance-wide: administration too).",
            managed=True,
        ),
        Role(
            "developer",
            permissions(
                {
                    **_all([Resource.FLOW, Resource.EXECUTION, Resource.SECRET, Resource.KVSTORE]),
                    Resource.NAMESPACE: {Action.VIEW},
                }
            ),
            "Flows, executions, secrets and KV of its namespaces.",
            managed=True,
        ),
        Role(
            "editor",
            permissions(
                {
                    **_all([Resource.FLOW, Resource.EXECUTION, Resource.KVSTORE]),
                    Resource.NAMESPACE: {Action.VIEW},
                }
            ),
            "Flows, executions and KV, but no secrets.",
            managed=True,
        ),
        Role(
            "launcher",
            permissions(
                {
                    Resource.FLOW: {Action.VIEW, Action.LIST, Action.EXECUTE},
                    Resource.EXECUTION: _VIEW_EXECUTIONS,
                    Resource.NAMESPACE: {Action.VIEW},
                }
            ),
            "Sees flows and runs them; reads executions.",
            managed=True,
        ),
        Role(
            "viewer",
            permissions(
                {
                    Resource.FLOW: {Action.VIEW, Action.LIST},
                    Resource.EXECUTION: _VIEW_EXECUTIONS,
                    Resource.NAMESPACE: {Action.VIEW},
                }
            ),
            "Reads flows and executions.",
            managed=True,
        ),
    )
}


def covers(binding_namespace: str | None, namespace: str | None) -> bool:
    """Whether a binding on ``binding_namespace`` reaches ``namespace``.

    ``None`` as the binding's namespace is instance-wide and covers everything;
    a namespaced binding never covers an instance-level check (``namespace`` None).

    >>> covers("company.team", "company.team.etl"), covers("company.team", "company.teamb")
    (True, False)
    """
    if binding_namespace is None:
        return True
    if namespace is None:
        return False
    return namespace == binding_namespace or namespace.startswith(binding_namespace + ".")


@dataclass(frozen=True)
class Grant:
    """A role held on a namespace (``None``: instance-wide), as resolved from a binding."""

    role: Role
    namespace: str | None = None


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user or a service account, with the grants its bindings give.

    ``kind`` is ``"USER"`` or ``"SERVICE_ACCOUNT"``; ``groups`` are the groups the
    grants came through (kept for audit). The grants are resolved once per
    request by the auth layer, so :func:`hushflow.auth.authorize.authorize` is pure.
    """

    id: str
    name: str
    kind: str = "USER"
    grants: tuple[Grant, ...] = ()
    groups: tuple[str, ...] = field(default_factory=tuple)

    def can(self, resource: Resource, action: Action, namespace: str | None = None) -> bool:
        """Whether some grant holds ``(resource, action)`` on ``namespace``."""
        if resource in INSTANCE_RESOURCES:
            namespace = None
        return any(
            covers(g.namespace, namespace) and g.role.allows(resource, action) for g in self.grants
        )

    def visible_namespace_roots(self, resource: Resource, action: Action) -> list[str] | None:
        """Namespaces (and their children) where the action is allowed; ``None``: all of them."""
        roots: list[str] = []
        for grant in self.grants:
            if not grant.role.allows(resource, action):
                continue
            if grant.namespace is None:
                return None
            roots.append(grant.namespace)
        return sorted(set(roots))
