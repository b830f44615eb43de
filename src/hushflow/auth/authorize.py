"""The one function every route, page and command calls before it acts.

Keeping the check in one place means the rules (namespace coverage, hiding
what exists from those who may not see it) cannot drift between routes.
"""

from __future__ import annotations

from hushflow.auth.permissions import Action, Principal, Resource
from hushflow.errors import AccessDenied, NotFound


def authorize(
    principal: Principal,
    resource: Resource,
    action: Action,
    namespace: str | None = None,
    *,
    hide: bool = False,
) -> None:
    """Raise unless ``principal`` may do ``action`` on ``resource`` in ``namespace``.

    With ``hide`` the refusal is a :class:`NotFound` when the caller cannot even
    see the resource (no VIEW/LIST on it there), so a 403 never reveals that a
    flow, execution or secret exists. Otherwise it is :class:`AccessDenied`.
    """
    if principal.can(resource, action, namespace):
        return
    where = f" in namespace '{namespace}'" if namespace else ""
    if hide and not _sees(principal, resource, namespace):
        raise NotFound(f"{resource.value.lower()} not found{where}")
    raise AccessDenied(
        f"'{principal.name}' may not {action.value} {resource.value}{where}; "
        "ask an administrator for a role that grants it"
    )


def _sees(principal: Principal, resource: Resource, namespace: str | None) -> bool:
    return principal.can(resource, Action.VIEW, namespace) or principal.can(
        resource, Action.LIST, namespace
    )
