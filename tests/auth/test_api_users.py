"""``/users`` and their API tokens over HTTP: success, failures, Kestra's shapes."""

from __future__ import annotations

import secrets

import httpx
import pytest
from tests.auth.api_fixtures import ORIGIN, Iam
from tests.auth.kestra_models import (
    ApiTokenList,
    CreateApiTokenResponse,
    IAMUserControllerApiUser,
    PagedResultsIAMUserControllerApiUserSummary,
)

pytestmark = pytest.mark.anyio


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"message", "status", "details"} and body["status"] == status
    return str(body["message"])


async def test_user_lifecycle_as_admin(iam_any_db: Iam) -> None:
    iam = iam_any_db
    password = "pw-" + secrets.token_hex(10)
    async with iam.client(iam.admin_token) as admin:
        made = await admin.post(
            "/users",
            json={"email": "ann@example.com", "firstName": "Ann", "password": password,
                  "tenants": ["main"], "instanceOwner": False},
        )  # fmt: skip
        assert made.status_code == 200, made.text
        assert password not in made.text
        user = IAMUserControllerApiUser.from_dict(made.json())
        assert user is not None and user.username == "ann@example.com"
        assert user.display_name == "Ann" and user.auths and user.auths[0].type == "PASSWORD"
        uid = made.json()["id"]

        listed = await admin.get("/users", params={"page": 1, "size": 1})
        page = PagedResultsIAMUserControllerApiUserSummary.from_dict(listed.json())
        assert page is not None and page.total == 2 and len(page.results) == 1
        assert (await admin.get("/users", params={"q": "ann"})).json()["total"] == 1

        got = await admin.get(f"/users/{uid}")
        assert got.json()["email"] == "ann@example.com"
        put = await admin.put(f"/users/{uid}", json={"email": "a@example.com", "lastName": "L"})
        assert put.json()["email"] == "a@example.com" and put.json()["displayName"] == "L"
        patched = await admin.patch(f"/users/{uid}", json={"disabled": True})
        assert patched.json()["disabled"] is True
        assert iam.auth.principal_for_user(uid) is None
        await admin.patch(f"/users/{uid}", json={"disabled": False})
        new = "pw-" + secrets.token_hex(10)
        assert (
            await admin.patch(f"/users/{uid}/password", json={"password": new})
        ).status_code == 200
        iam.auth.sign_in("ann@example.com", new)
        assert (await admin.delete(f"/users/{uid}")).status_code == 204
        error(await admin.get(f"/users/{uid}"), 404)


async def test_kestra_paths_without_the_tenant(iam: Iam) -> None:
    async with iam.client(iam.admin_token, base=f"{ORIGIN}/api/v1") as bare:
        assert (await bare.post("/users", json={"email": "x@example.com"})).status_code == 200
        assert (await bare.get("/users")).json()["total"] == 2


async def test_user_route_failures(iam: Iam) -> None:
    viewer = iam.token_for("viewer", "viewer", None)
    team_admin = iam.token_for("teamadmin", "admin", "company.team")
    async with iam.client() as anonymous:
        assert "Bearer" in error(await anonymous.get("/users"), 401)
    async with iam.client(viewer) as client:
        error(await client.post("/users", json={"email": "v@example.com"}), 403)
        error(await client.get("/users"), 403)
        uid = iam.auth.directory.user("teamadmin").id
        error(await client.get(f"/users/{uid}"), 404)  # cannot even see users
        error(await client.delete(f"/users/{uid}"), 404)
        me = iam.auth.directory.user("viewer").id
        assert (await client.get(f"/users/{me}")).status_code == 200  # oneself
    async with iam.client(team_admin) as client:
        error(await client.get("/users"), 403)  # a namespaced admin administers no users
    async with iam.client(iam.admin_token) as admin:
        assert "already exists" in error(await admin.post("/users", json={"email": "viewer"}), 409)
        assert "email" in error(await admin.post("/users", json={"firstName": "x"}), 422)
        assert "invalid user name" in error(
            await admin.post("/users", json={"username": "a b"}), 422
        )
        short = await admin.post("/users", json={"email": "s@example.com", "password": "short"})
        assert "at least 8" in error(short, 422)
        error(await admin.get("/users/nope"), 404)
        error(await admin.patch("/users/nope/password", json={"password": "x" * 12}), 404)
        error(await admin.get("/users", params={"size": 0}), 422)
        error(
            await admin.post("/users", content=b"{", headers={"Content-Type": "application/json"}),
            422,
        )


async def test_tokens_of_oneself_and_of_others(iam: Iam) -> None:
    me_token = iam.token_for("dev", "developer", "company")
    me = iam.auth.directory.user("dev").id
    async with iam.client(me_token) as client:
        made = await client.post(
            f"/users/{me}/api-tokens", json={"name": "laptop", "maxAge": "P30D"}
        )
        assert made.status_code == 200, made.text
        created = CreateApiTokenResponse.from_dict(made.json())
        assert created is not None and created.full_token.startswith("hf_")
        listed = await client.get(f"/users/{me}/api-tokens")
        tokens = ApiTokenList.from_dict(listed.json())
        assert tokens is not None and {t.name for t in tokens.results} == {"t", "laptop"}
        assert created.full_token not in listed.text
        laptop = next(t for t in tokens.results if t.name == "laptop")
        assert laptop.exp is not None and laptop.prefix == created.full_token[:8]
        other = iam.auth.directory.user(iam.auth.directory.users()[0].id).id
        if other == me:
            other = iam.auth.directory.users()[1].id
        error(await client.get(f"/users/{other}/api-tokens"), 404)
        error(await client.post(f"/users/{other}/api-tokens", json={"name": "x"}), 404)
        error(
            await client.post(f"/users/{me}/api-tokens", json={"name": "x", "maxAge": "soon"}), 422
        )
        error(await client.post(f"/users/{me}/api-tokens", json={"name": "bad name"}), 422)
        error(await client.delete(f"/users/{me}/api-tokens/nope"), 404)

    async with iam.client(created.full_token) as laptop_client:
        assert (await laptop_client.get("/me")).json()["name"] == "dev"
    async with iam.client(iam.admin_token) as admin:
        # an administrator sees and revokes anyone's tokens
        assert (await admin.get(f"/users/{me}/api-tokens")).json()["total"] == 2
        assert (await admin.delete(f"/users/{me}/api-tokens/{created.id}")).status_code == 204
        error(await admin.delete(f"/users/{me}/api-tokens/{created.id}"), 404)
    async with iam.client(created.full_token) as laptop_client:
        error(await laptop_client.get("/me"), 401)


async def test_an_administrator_cannot_lock_themselves_out(iam: Iam) -> None:
    root = next(u for u in iam.auth.directory.users() if u.username.startswith("root-"))
    async with iam.client(iam.admin_token) as admin:
        assert "yourself" in error(await admin.delete(f"/users/{root.id}"), 409)
        assert "yourself" in error(
            await admin.patch(f"/users/{root.id}", json={"disabled": True}), 409
        )
        assert (await admin.get("/me")).status_code == 200
