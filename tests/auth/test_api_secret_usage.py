"""``/namespaces/{ns}/secrets/{key}/usage``: set and read who may use a secret, with RBAC."""

from __future__ import annotations

import httpx
import pytest
from tests.auth.api_fixtures import Iam

pytestmark = pytest.mark.anyio
PATH = "/namespaces/company/secrets/DB_PASSWORD/usage"


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["message"])


async def test_set_read_and_clear_a_usage_rule(iam_any_db: Iam) -> None:
    iam = iam_any_db
    async with iam.client(iam.admin_token) as admin:
        assert (await admin.get(PATH)).json() == {"allowedNamespaces": None, "allowedFlows": None}
        rule = {"allowedNamespaces": ["company.billing"], "allowedFlows": ["company.ops.backup"]}
        put = await admin.put(PATH, json=rule)
        assert put.status_code == 200 and put.json() == rule
        assert (await admin.get(PATH)).json() == rule
        assert iam.secrets.usage_rule("company", "db_password").allows("company.billing.eu", "x")
        bad = await admin.put(PATH, json={"allowedFlows": ["noflow"]})
        assert "namespace.flowId" in error(bad, 400)
        cleared = await admin.put(PATH, json={"allowedNamespaces": None, "allowedFlows": None})
        assert cleared.json() == {"allowedNamespaces": None, "allowedFlows": None}
    assert iam.secrets.audit is not None
    changes = [e for e in iam.secrets.audit.events(key="DB_PASSWORD") if e.action == "restrict"]
    assert len(changes) == 2 and all(e.actor and e.actor.startswith("root-") for e in changes)


async def test_usage_rules_follow_secret_permissions(iam: Iam) -> None:
    developer = iam.token_for("dev", "developer", "company")
    editor = iam.token_for("ed", "editor", "company")
    outsider = iam.token_for("out", "developer", "other")
    rule = {"allowedNamespaces": ["company.a"]}
    async with iam.client(developer) as client:
        assert (await client.put(PATH, json=rule)).status_code == 200
        assert (await client.get(PATH)).json()["allowedNamespaces"] == ["company.a"]
    async with iam.client(editor) as client:  # no secrets at all: cannot even see them
        error(await client.get(PATH), 404)
        error(await client.put(PATH, json={}), 404)
    async with iam.client(outsider) as client:
        error(await client.get(PATH), 404)
    async with iam.client() as anonymous:
        error(await anonymous.get(PATH), 401)


async def test_a_nul_in_a_name_is_404_on_every_database(iam_any_db: Iam) -> None:
    # Nothing can be named with a NUL (PostgreSQL refuses it): the API answers 404
    # for any path that holds one, before a route or the database sees it.
    async with iam_any_db.client(iam_any_db.admin_token) as admin:
        error(await admin.get("/namespaces/a%00b/secrets/K/usage"), 404)
        error(await admin.get("/namespaces/company/secrets/K%00/usage"), 404)
        error(await admin.put("/namespaces/a%00b/secrets/K/usage", json={}), 404)
