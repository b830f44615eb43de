"""The RBAC matrix: every route x role x namespace relation, from one table, through AuthService.

Each principal is a real user with a real API token and one binding, made
through :class:`AuthService`; the expected answer comes from the route's
required permission (the table below) and the role's permissions:

* allowed (the binding covers the namespace and the role holds the permission):
  the route's success status;
* otherwise 404 where the route hides what exists from those who cannot even
  see it (no VIEW/LIST on that resource there), else 403.

Relations of the binding's namespace to the object's namespace
(``company.team``): same, parent, instance-wide (all three cover it), child,
sibling and a prefix that is not a parent (``company.tea``; none covers it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib import import_module

import httpx
import pytest

from hushflow.api.app import create_app
from hushflow.auth.permissions import MANAGED_ROLES, Action, Resource
from hushflow.auth.records import SubjectType
from hushflow.auth.service import AuthService
from hushflow.engine.runner import Engine
from hushflow.secrets import SecretManager
from hushflow.storage.database import open_database

pytestmark = pytest.mark.anyio
YAML = {"Content-Type": "application/x-yaml"}
TEXT = {"Content-Type": "text/plain"}
NS = "company.team"

FLOW = f"""\
id: hello
namespace: {NS}
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: hi
"""

RELATIONS: dict[str, str | None] = {
    "same": NS,
    "parent": "company",
    "instance": None,
    "child": f"{NS}.etl",
    "sibling": "company.other",
    "prefix-not-parent": "company.tea",
}
COVERING = {"same", "parent", "instance"}

#: A custom role next to the managed ones: lists secrets and views flows, nothing else.
CUSTOM = {"FLOW": ["VIEW", "LIST"], "SECRET": ["LIST"], "NAMESPACE": ["VIEW"]}
ROLES = [*MANAGED_ROLES, "secret-lister"]


@dataclass(frozen=True)
class Route:
    """One route: how to call it and what it needs. ``{ex}`` is an ended execution's id."""

    method: str
    path: str
    resource: Resource
    action: Action
    ok: int
    hides: bool = True
    body: str | None = None
    json: object | None = None
    headers: dict[str, str] | None = None
    consumes: str | None = None  # what a success uses up: "flow", "execution" or "secret"


ROUTES = [
    Route("GET", f"/flows/{NS}/hello", Resource.FLOW, Action.VIEW, 200),
    Route("GET", f"/flows/{NS}/hello/revisions", Resource.FLOW, Action.VIEW, 200),
    Route("PUT", f"/flows/{NS}/hello", Resource.FLOW, Action.UPDATE, 200, body=FLOW, headers=YAML),
    Route(
        "POST", "/flows", Resource.FLOW, Action.CREATE, 409, hides=False, body=FLOW, headers=YAML
    ),
    Route("DELETE", f"/flows/{NS}/hello", Resource.FLOW, Action.DELETE, 204, consumes="flow"),
    Route("POST", f"/executions/{NS}/hello", Resource.FLOW, Action.EXECUTE, 200, json={}),
    Route("GET", "/executions/{ex}", Resource.EXECUTION, Action.VIEW, 200),
    Route("GET", "/executions/{ex}/follow", Resource.EXECUTION, Action.VIEW, 200),
    Route("GET", "/logs/{ex}", Resource.EXECUTION, Action.ACCESS_LOGS, 200),
    Route("GET", "/logs/{ex}/download", Resource.EXECUTION, Action.ACCESS_LOGS, 200),
    Route("GET", "/logs/{ex}/follow", Resource.EXECUTION, Action.ACCESS_LOGS, 200),
    Route("DELETE", "/executions/{ex}/actions/kill", Resource.EXECUTION, Action.KILL, 409),
    Route("DELETE", "/executions/{ex}/kill", Resource.EXECUTION, Action.KILL, 409),
    Route("POST", "/executions/{ex}/actions/restart", Resource.EXECUTION, Action.RESTART, 409),
    Route("POST", "/executions/{ex}/restart", Resource.EXECUTION, Action.RESTART, 409),
    Route("POST", "/executions/{ex}/actions/resume", Resource.EXECUTION, Action.RESUME, 409),
    Route("POST", "/executions/{ex}/resume", Resource.EXECUTION, Action.RESUME, 409),
    Route(
        "POST",
        "/executions/{ex}/eval",
        Resource.EXECUTION,
        Action.EVAL,
        200,
        body="{{ 1 }}",
        headers=TEXT,
    ),
    Route(
        "POST",
        "/executions/{ex}/actions/eval",
        Resource.EXECUTION,
        Action.EVAL,
        200,
        body="{{ 1 }}",
        headers=TEXT,
    ),
    Route(
        "POST",
        "/executions/{ex}/eval/{run}",
        Resource.EXECUTION,
        Action.EVAL,
        200,
        body="{{ 1 }}",
        headers=TEXT,
    ),
    Route(
        "POST",
        "/executions/{ex}/actions/eval/{run}",
        Resource.EXECUTION,
        Action.EVAL,
        200,
        body="{{ 1 }}",
        headers=TEXT,
    ),
    Route(
        "DELETE", "/executions/{ex}", Resource.EXECUTION, Action.DELETE, 204, consumes="execution"
    ),
    Route("GET", f"/namespaces/{NS}/secrets", Resource.SECRET, Action.LIST, 200, hides=False),
    Route(
        "GET", f"/namespaces/{NS}/inherited-secrets", Resource.SECRET, Action.LIST, 200, hides=False
    ),
    Route("GET", f"/namespaces/{NS}/secrets/K/versions", Resource.SECRET, Action.LIST, 200),
    Route(
        "PUT",
        f"/namespaces/{NS}/secrets",
        Resource.SECRET,
        Action.UPDATE,
        200,
        hides=False,
        json={"key": "K", "value": "v-0123456789"},
    ),
    Route(
        "PUT",
        f"/namespaces/{NS}/secrets",
        Resource.SECRET,
        Action.CREATE,
        200,
        hides=False,
        json={"key": "NEWKEY", "value": "v-0123456789"},
        consumes="newkey",
    ),
    Route(
        "PATCH",
        f"/namespaces/{NS}/secrets/K",
        Resource.SECRET,
        Action.UPDATE,
        200,
        json={"description": "d"},
    ),
    Route(
        "DELETE",
        f"/namespaces/{NS}/secrets/K",
        Resource.SECRET,
        Action.DELETE,
        204,
        consumes="secret",
    ),
    Route("GET", f"/namespaces/{NS}", Resource.NAMESPACE, Action.VIEW, 200),
    Route("GET", "/auditlogs/search", Resource.AUDITLOG, Action.LIST, 200, hides=False),
]


def expected(route: Route, relation: str, perms: dict[Resource, set[Action]]) -> int:
    covered = (
        relation in COVERING if route.resource is not Resource.AUDITLOG else relation == "instance"
    )
    if covered and route.action in perms.get(route.resource, set()):
        return route.ok
    sees = covered and bool(perms.get(route.resource, set()) & {Action.VIEW, Action.LIST})
    return 404 if route.hides and not sees else 403


@dataclass
class World:
    auth: AuthService
    admin: httpx.AsyncClient
    app: object
    execution: str = ""
    task_run: str = ""

    async def new_execution(self) -> None:
        run = await self.admin.post(f"/executions/{NS}/hello", params={"wait": "true"})
        body = run.json()
        assert body["state"]["current"] == "SUCCESS", body
        self.execution, self.task_run = body["id"], body["taskRunList"][0]["id"]

    async def restore(self, what: str | None) -> None:
        if what == "flow":
            assert (await self.admin.post("/flows", content=FLOW, headers=YAML)).status_code == 200
        elif what == "execution":
            await self.new_execution()
        elif what == "secret":
            await self.admin.put(
                f"/namespaces/{NS}/secrets", json={"key": "K", "value": "v-0123456789"}
            )
        elif what == "newkey":
            await self.admin.delete(f"/namespaces/{NS}/secrets/NEWKEY")

    def client(self, token: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)  # type: ignore[arg-type]
        return httpx.AsyncClient(
            transport=transport, base_url="http://t/api/v1/main",
            headers={"Authorization": f"Bearer {token}"}, timeout=60,
        )  # fmt: skip


@pytest.fixture
async def world(sqlite_url: str, tmp_path: object) -> AsyncIterator[World]:
    database = open_database(sqlite_url)
    manager = SecretManager.from_env(database, {"HUSHFLOW_HOME": str(tmp_path)})
    engine = Engine(database, secrets=manager, workers=4)
    auth = AuthService(database)
    auth.create_role("secret-lister", CUSTOM)
    auth.create_user("root")
    auth.bind(SubjectType.USER, "root", "admin", None)
    root = auth.create_token(SubjectType.USER, "root", "t").value
    app = create_app(database, authenticator=auth, engine=engine, secrets=manager)
    w = World(auth, httpx.AsyncClient(), app)
    async with w.client(root) as admin:
        w.admin = admin
        await w.restore("flow")
        await w.restore("secret")
        await w.new_execution()
        yield w
    engine.close()
    database.dispose()


def role_permissions(auth: AuthService, role: str) -> dict[Resource, set[Action]]:
    held: dict[Resource, set[Action]] = {}
    principal = auth.principal_for_user(f"u-{role}-same")
    assert principal is not None
    for grant in principal.grants:
        for resource, action in grant.role.permissions:
            held.setdefault(resource, set()).add(action)
    return held


@pytest.mark.parametrize("role", ROLES)
async def test_matrix(world: World, role: str) -> None:
    tokens = {}
    for relation, namespace in RELATIONS.items():
        user = f"u-{role}-{relation}"
        world.auth.create_user(user)
        world.auth.bind(SubjectType.USER, user, role, namespace)
        tokens[relation] = world.auth.create_token(SubjectType.USER, user, "t").value
    perms = role_permissions(world.auth, role)
    failures = []
    for route in ROUTES:
        for relation, token in tokens.items():
            want = expected(route, relation, perms)
            path = route.path.replace("{ex}", world.execution).replace("{run}", world.task_run)
            async with world.client(token) as client:
                response = await client.request(
                    route.method, path, content=route.body, json=route.json, headers=route.headers
                )
            if response.status_code != want:
                failures.append(
                    f"{route.method} {route.path} {relation}: {response.status_code} != {want}"
                )
            if response.status_code == route.ok and route.ok < 300:
                await world.restore(route.consumes)
    assert not failures, "\n".join(failures)


async def test_searches_show_only_covered_namespaces(world: World) -> None:
    for relation, namespace in RELATIONS.items():
        user = f"viewer-{relation}"
        world.auth.create_user(user)
        world.auth.bind(SubjectType.USER, user, "viewer", namespace)
        token = world.auth.create_token(SubjectType.USER, user, "t").value
        async with world.client(token) as client:
            flows = (await client.get("/flows/search")).json()["total"]
            executions = (await client.get("/executions/search")).json()["total"]
            names = [n["id"] for n in (await client.get("/namespaces/search")).json()["results"]]
        assert (flows > 0) == (relation in COVERING), relation
        assert (executions > 0) == (relation in COVERING), relation
        # The tree shows the parents of one's own binding (the path down to it), nothing else.
        assert (NS in names) == (relation in COVERING or relation == "child"), relation
        assert "company.other" not in names or relation in {"instance", "parent", "sibling"}


#: The routers whose namespaced routes this matrix covers (the IAM routers have their own tests).
MATRIX_MODULES = {
    f"hushflow.api.routers.{name}"
    for name in (
        "health", "flows", "execution_actions", "follow", "eval", "executions", "logs",
        "namespaces", "secrets", "audit",
    )
}  # fmt: skip


def test_table_covers_every_route() -> None:
    """A route added to these routers without a row here fails this test."""
    served = set()
    for name in MATRIX_MODULES:
        for route in import_module(name).router.routes:
            for method in getattr(route, "methods", set()) - {"HEAD"}:
                served.add((method, route.path))
    tabled = {(r.method, _template(r.path)) for r in ROUTES}
    public = {("GET", "/health"), ("GET", "/me")}
    searches = {("GET", "/flows/search"), ("GET", "/executions/search"), ("GET", "/executions"),
                ("GET", "/namespaces/search"), ("GET", "/namespaces/tree"), ("POST", "/flows/validate"),
                ("GET", "/flows/{namespace}")}  # fmt: skip
    assert len(served) > 35, sorted(served)
    missing = served - tabled - public - searches
    assert not missing, sorted(missing)


def _template(path: str) -> str:
    return (
        path.replace(f"/flows/{NS}/hello", "/flows/{namespace}/{id}")
        .replace(f"/executions/{NS}/hello", "/executions/{namespace}/{id}")
        .replace(f"/namespaces/{NS}/secrets/K", "/namespaces/{namespace}/secrets/{key}")
        .replace(f"/namespaces/{NS}", "/namespaces/{namespace}")
        .replace("{ex}", "{executionId}")
        .replace("{run}", "{taskRunId}")
    )
