"""The IAM routes by roles by scopes, from one table: who may administer users, roles, bindings.

Administration is instance-level: only an instance-wide binding grants it,
so a namespaced ``admin`` is refused like a ``viewer``. A refused request on
one object answers 404 when the caller cannot even see that kind of object,
403 when it can (a refusal must not reveal what exists).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tests.auth.api_fixtures import Iam

from hushflow.auth.permissions import MANAGED_ROLES, Action, Resource
from hushflow.auth.records import SubjectType

pytestmark = pytest.mark.anyio

U, SA, ROLE, BIND = Resource.USER, Resource.SERVICE_ACCOUNT, Resource.ROLE, Resource.BINDING
V, L, C, UP, D = Action.VIEW, Action.LIST, Action.CREATE, Action.UPDATE, Action.DELETE


def _name() -> str:
    return "n" + secrets.token_hex(4)


Body = Callable[[], dict[str, Any]] | None


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    resource: Resource
    action: Action
    body: Body = None

    @property
    def by_id(self) -> bool:
        return "{" in self.path


ROUTES = [
    Route("POST", "/users", U, C, lambda: {"username": _name()}),
    Route("GET", "/users", U, L),
    Route("GET", "/users/{user}", U, V),
    Route("PUT", "/users/{user}", U, UP, lambda: {"email": "e@example.com"}),
    Route("PATCH", "/users/{user}", U, UP, lambda: {"firstName": "F"}),
    Route("PATCH", "/users/{user}/password", U, UP, lambda: {"password": "pw-" + _name()}),
    Route("DELETE", "/users/{user}", U, D),
    Route("POST", "/users/{user}/api-tokens", U, UP, lambda: {"name": "t"}),
    Route("GET", "/users/{user}/api-tokens", U, V),
    Route("DELETE", "/users/{user}/api-tokens/{user_token}", U, UP),
    Route("POST", "/service-accounts", SA, C, lambda: {"name": _name()}),
    Route("GET", "/service-accounts", SA, L),
    Route("GET", "/service-accounts/{account}", SA, V),
    Route("PATCH", "/service-accounts/{account}", SA, UP, lambda: {"name": _name()}),
    Route("DELETE", "/service-accounts/{account}", SA, D),
    Route("POST", "/service-accounts/{account}/api-tokens", SA, UP, lambda: {"name": "t"}),
    Route("GET", "/service-accounts/{account}/api-tokens", SA, V),
    Route("DELETE", "/service-accounts/{account}/api-tokens/{account_token}", SA, UP),
    Route("POST", "/roles", ROLE, C, lambda: {"name": _name(), "permissions": {"FLOW": ["VIEW"]}}),
    Route("GET", "/roles/search", ROLE, L),
    Route("GET", "/roles/{role}", ROLE, V),
    Route("PUT", "/roles/{role}", ROLE, UP, lambda: {"name": _name(), "permissions": {}}),
    Route("DELETE", "/roles/{role}", ROLE, D),
    Route(
        "POST",
        "/bindings",
        BIND,
        C,
        lambda: {"type": "USER", "externalId": "target", "roleId": "viewer"},
    ),
    Route("GET", "/bindings/search", BIND, L),
    Route("GET", "/bindings/{binding}", BIND, V),
    Route("DELETE", "/bindings/{binding}", BIND, D),
]

#: (role, namespace of its binding); the custom role reads users only.
CALLERS = [(role, scope) for role in MANAGED_ROLES for scope in (None, "company")] + [
    ("user-reader", None),
    ("user-reader", "company"),
]
CUSTOM = {"user-reader": {U: {V, L}}}


def expected(role: str, scope: str | None, route: Route) -> int:
    """The answer, from the table above: what the role holds, instance-wide only."""
    held = set(Action) if role == "admin" else CUSTOM.get(role, {}).get(route.resource, set())
    if scope is not None:
        held = set()
    if route.action in held:
        return 204 if route.method == "DELETE" else 200
    sees = V in held or L in held
    return 404 if route.by_id and not sees else 403


def _targets(iam: Iam) -> dict[str, str]:
    """Fresh objects for one call (a successful DELETE uses them up)."""
    auth = iam.auth
    if "target" not in {u.username for u in auth.directory.users()}:
        auth.create_user("target")
    user = auth.create_user(_name())
    account = auth.create_service_account(_name())
    role = auth.create_role(_name(), {"FLOW": ["VIEW"]})
    binding = auth.roles.bind(SubjectType.USER, user.id, "viewer", "x")
    return {
        "user": user.id,
        "user_token": auth.create_token(SubjectType.USER, user.id, "t").info.id,
        "account": account.id,
        "account_token": auth.create_token(SubjectType.SERVICE_ACCOUNT, account.id, "t").info.id,
        "role": role.id,
        "binding": binding.id,
    }


async def _call(client: httpx.AsyncClient, route: Route, targets: dict[str, str]) -> int:
    body = route.body() if route.body else None
    response = await client.request(route.method, route.path.format(**targets), json=body)
    return response.status_code


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_route_by_role_and_scope(iam: Iam, route: Route) -> None:
    iam.auth.create_role("user-reader", {"USER": ["VIEW", "LIST"]})
    got, want = {}, {}
    for role, scope in CALLERS:
        token = iam.token_for(_name(), role, scope)
        async with iam.client(token) as client:
            got[(role, scope)] = await _call(client, route, _targets(iam))
        want[(role, scope)] = expected(role, scope, route)
    assert got == want
