"""``/service-accounts``, ``/roles``, ``/bindings`` over HTTP: success, failures, Kestra's shapes."""

from __future__ import annotations

import httpx
import pytest
from tests.auth.api_fixtures import Iam
from tests.auth.kestra_models import (
    ApiRoleSummary,
    IAMBindingControllerApiBindingDetail,
    IAMRoleControllerApiRoleDetail,
    IAMServiceAccountControllerApiServiceAccountDetail,
    PagedResultsIAMBindingControllerApiBindingDetail,
    PagedResultsIAMServiceAccountControllerApiServiceAccountDetail,
)

from hushflow.auth.permissions import Action, Resource

pytestmark = pytest.mark.anyio


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"message", "status", "details"} and body["status"] == status
    return str(body["message"])


async def test_service_account_with_a_binding_and_a_token(iam_any_db: Iam) -> None:
    iam = iam_any_db
    async with iam.client(iam.admin_token) as admin:
        made = await admin.post("/service-accounts", json={"name": "deployer", "description": "CI"})
        assert made.status_code == 200, made.text
        account = IAMServiceAccountControllerApiServiceAccountDetail.from_dict(made.json())
        assert account is not None and account.name == "deployer"
        sid = made.json()["id"]
        listed = await admin.get("/service-accounts")
        page = PagedResultsIAMServiceAccountControllerApiServiceAccountDetail.from_dict(
            listed.json()
        )
        assert page is not None and page.total == 1
        renamed = await admin.patch(f"/service-accounts/{sid}", json={"name": "ci-deployer"})
        assert renamed.json()["name"] == "ci-deployer"
        assert (await admin.get(f"/service-accounts/{sid}")).json()["description"] is None

        # Kestra binds a service account as a USER whose id is the account's
        bound = await admin.post(
            "/bindings",
            json={
                "type": "USER",
                "externalId": sid,
                "roleId": "launcher",
                "namespaceId": "company",
            },
        )
        assert bound.status_code == 200, bound.text
        detail = IAMBindingControllerApiBindingDetail.from_dict(bound.json())
        assert detail is not None and detail.user is not None
        assert detail.user.type is not None and detail.user.type.value == "SERVICE_ACCOUNT"
        assert bound.json()["subjectType"] == "SERVICE_ACCOUNT"

        token = (
            await admin.post(f"/service-accounts/{sid}/api-tokens", json={"name": "gh"})
        ).json()
        listed_tokens = await admin.get(f"/service-accounts/{sid}/api-tokens")
        assert listed_tokens.json()["total"] == 1 and token["fullToken"] not in listed_tokens.text
    principal = iam.auth.principal_for_token(token["fullToken"])
    assert principal is not None and principal.kind == "SERVICE_ACCOUNT"
    assert principal.can(Resource.FLOW, Action.EXECUTE, "company.x")
    async with iam.client(token["fullToken"]) as robot:
        error(await robot.get("/service-accounts"), 403)
        error(await robot.post(f"/service-accounts/{sid}/api-tokens", json={"name": "more"}), 404)
    async with iam.client(iam.admin_token) as admin:
        assert (
            await admin.delete(f"/service-accounts/{sid}/api-tokens/{token['id']}")
        ).status_code == 204
        assert iam.auth.principal_for_token(token["fullToken"]) is None
        assert (await admin.delete(f"/service-accounts/{sid}")).status_code == 204
        error(await admin.get(f"/service-accounts/{sid}"), 404)
        assert (await admin.get("/bindings/search")).json()["total"] == 1  # only root's


async def test_service_account_failures(iam: Iam) -> None:
    viewer = iam.token_for("v", "viewer", None)
    async with iam.client(iam.admin_token) as admin:
        assert (await admin.post("/service-accounts", json={"name": "bot"})).status_code == 200
        error(await admin.post("/service-accounts", json={"name": "bot"}), 409)
        error(await admin.post("/service-accounts", json={"description": "no name"}), 422)
        error(await admin.post("/service-accounts", json={"name": "bad name"}), 422)
        error(await admin.patch("/service-accounts/nope", json={"name": "x"}), 404)
        await admin.post("/service-accounts", json={"name": "bot2"})
        bot2 = iam.auth.directory.service_account("bot2").id
        error(await admin.patch(f"/service-accounts/{bot2}", json={"name": "bot"}), 409)
    async with iam.client(viewer) as client:
        error(await client.post("/service-accounts", json={"name": "x"}), 403)
        error(await client.get(f"/service-accounts/{bot2}"), 404)
        error(await client.delete(f"/service-accounts/{bot2}"), 404)


async def test_roles(iam_any_db: Iam) -> None:
    iam = iam_any_db
    async with iam.client(iam.admin_token) as admin:
        found = (await admin.get("/roles/search", params={"size": 100})).json()
        managed = [ApiRoleSummary.from_dict(r) for r in found["results"]]
        assert [r.name for r in managed if r] == [
            "admin",
            "developer",
            "editor",
            "launcher",
            "viewer",
        ]
        assert all(r and r.is_managed for r in managed)
        made = await admin.post(
            "/roles",
            json={
                "name": "runner",
                "description": "runs",
                "permissions": {"FLOW": ["VIEW", "EXECUTE"]},
            },
        )
        assert made.status_code == 200, made.text
        role = IAMRoleControllerApiRoleDetail.from_dict(made.json())
        assert (
            role is not None
            and role.permissions is not None
            and role.permissions.flow == ["EXECUTE", "VIEW"]
        )
        rid = made.json()["id"]
        put = await admin.put(
            f"/roles/{rid}",
            json={"name": "launcher2", "permissions": {"FLOW": ["VIEW"], "EXECUTION": ["VIEW"]}},
        )
        assert put.json()["name"] == "launcher2" and put.json()["permissions"]["EXECUTION"] == [
            "VIEW"
        ]
        assert (await admin.get("/roles/viewer")).json()["isManaged"] is True
        assert "managed role" in error(
            await admin.put("/roles/viewer", json={"name": "viewer"}), 409
        )
        assert "managed role" in error(await admin.delete("/roles/admin"), 409)
        assert "TRIGGER" in error(
            await admin.post("/roles", json={"name": "x", "permissions": {"TRIGGER": ["VIEW"]}}),
            422,
        )
        assert "SECRET has no action 'VIEW'" in error(
            await admin.post("/roles", json={"name": "x", "permissions": {"SECRET": ["VIEW"]}}), 422
        )
        error(await admin.post("/roles", json={"name": "launcher2"}), 409)
        error(await admin.put(f"/roles/{rid}", json={"name": "admin"}), 409)
        iam.auth.create_user("u")
        bound = await admin.post(
            "/bindings", json={"type": "USER", "externalId": "u", "roleId": rid}
        )
        assert "used by bindings" in error(await admin.delete(f"/roles/{rid}"), 409)
        assert (await admin.delete(f"/bindings/{bound.json()['id']}")).status_code == 204
        assert (await admin.delete(f"/roles/{rid}")).status_code == 204
        error(await admin.get(f"/roles/{rid}"), 404)
    viewer = iam.token_for("rv", "viewer", None)
    async with iam.client(viewer) as client:
        error(await client.get("/roles/search"), 403)
        error(await client.get("/roles/admin"), 404)
        error(await client.post("/roles", json={"name": "y"}), 403)


async def test_bindings_for_users_and_groups_and_what_they_grant(iam: Iam) -> None:
    iam.auth.create_user("ops-user")
    iam.auth.directory.create_group("ops")
    iam.auth.directory.add_member("ops", "ops-user")
    gid = iam.auth.directory.group("ops").id
    async with iam.client(iam.admin_token) as admin:
        made = await admin.post(
            "/bindings",
            json={"type": "GROUP", "externalId": gid, "roleId": "viewer", "namespaceId": "company"},
        )
        assert made.status_code == 200, made.text
        assert made.json()["group"] == {"id": gid, "name": "ops"} and made.json()["user"] is None
        principal = iam.auth.principal_for_user("ops-user")
        assert principal is not None and principal.can(Resource.FLOW, Action.VIEW, "company.a")
        assert not principal.can(Resource.FLOW, Action.VIEW, "companyx")
        page = PagedResultsIAMBindingControllerApiBindingDetail.from_dict(
            (await admin.get("/bindings/search", params={"type": "GROUP"})).json()
        )
        assert page is not None and page.total == 1
        assert (await admin.get("/bindings/search", params={"namespace": "company"})).json()[
            "total"
        ] == 1
        assert (await admin.get("/bindings/search", params={"id": gid})).json()["total"] == 1
        bid = made.json()["id"]
        assert (await admin.get(f"/bindings/{bid}")).json()["namespace"] == "company"
        error(
            await admin.post(
                "/bindings", json={"type": "USER", "externalId": "nobody", "roleId": "viewer"}
            ),
            404,
        )
        error(
            await admin.post(
                "/bindings", json={"type": "USER", "externalId": "ops-user", "roleId": "nope"}
            ),
            404,
        )
        error(
            await admin.post(
                "/bindings", json={"type": "ROBOT", "externalId": "x", "roleId": "viewer"}
            ),
            422,
        )
        bad_ns = {
            "type": "USER",
            "externalId": "ops-user",
            "roleId": "viewer",
            "namespaceId": "a..b",
        }
        error(await admin.post("/bindings", json=bad_ns), 422)
        assert (await admin.delete(f"/bindings/{bid}")).status_code == 204
        error(await admin.get(f"/bindings/{bid}"), 404)
    principal = iam.auth.principal_for_user("ops-user")
    assert principal is not None and not principal.can(Resource.FLOW, Action.VIEW, "company.a")
    viewer = iam.token_for("bv", "viewer", None)
    async with iam.client(viewer) as client:
        error(await client.get("/bindings/search"), 403)
        body = {"type": "USER", "externalId": "bv", "roleId": "admin"}
        error(await client.post("/bindings", json=body), 403)  # no self-promotion


async def test_nul_characters_and_huge_values_are_4xx_on_every_database(iam_any_db: Iam) -> None:
    iam = iam_any_db
    long = "x" * 300
    async with iam.client(iam.admin_token) as admin:
        for path in ("/users/a%00b", "/service-accounts/a%00b", "/roles/a%00b", "/bindings/a%00b",
                     f"/users/{long}", "/users/a%00b/api-tokens"):  # fmt: skip
            error(await admin.get(path), 404)
        error(await admin.post("/users", json={"email": "a\x00b@example.com"}), 422)
        error(await admin.post("/users", json={"username": "ok", "firstName": long}), 422)
        error(
            await admin.post("/service-accounts", json={"name": "ok", "description": "\x00"}), 422
        )
        error(await admin.get("/bindings/search", params={"namespace": "a\x00"}), 422)
        error(await admin.post("/users", json={"username": "p", "password": "\x00" * 10}), 422)
        error(await admin.post("/roles", json={"name": "r", "description": "\x00"}), 422)
    async with iam.client() as browser:
        error(await browser.post("/login", json={"username": "a\x00", "password": "x" * 10}), 401)
