"""The skeleton: mounting, the error shape, who the caller is."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Api

pytestmark = pytest.mark.anyio


def assert_error_shape(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"message", "status", "details"}
    assert body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in response.text
    return dict(body)


async def test_health_needs_no_credentials(api: Api) -> None:
    async with api.client() as client:
        response = await client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "UP"


async def test_paths_with_and_without_tenant(api: Api, admin: httpx.AsyncClient) -> None:
    with_tenant = await admin.get("/me")
    async with api.client(api.admin_token, base="http://hushflow.test/api/v1") as bare:
        without = await bare.get("/me")
    assert with_tenant.status_code == without.status_code == 200
    assert (
        with_tenant.json() == without.json() == {"id": "u-admin", "name": "admin", "kind": "USER"}
    )


async def test_no_credentials_is_401_in_the_error_shape(api: Api) -> None:
    async with api.client() as client:
        body = assert_error_shape(await client.get("/me"), 401)
    assert "Bearer" in str(body["message"])


async def test_unknown_token_is_401(api: Api) -> None:
    async with api.client("not-a-token") as client:
        assert_error_shape(await client.get("/me"), 401)


async def test_session_cookie_signs_in(api: Api) -> None:
    principal = api.auth.tokens[api.admin_token]
    api.auth.sessions["sess-1"] = principal
    async with api.client() as client:
        client.cookies.set("hushflow_session", "sess-1")
        ok = await client.get("/me")
        client.cookies.set("hushflow_session", "expired")
        refused = await client.get("/me")
    assert ok.json()["name"] == "admin"
    assert_error_shape(refused, 401)


async def test_unknown_path_and_method_use_the_error_shape(admin: httpx.AsyncClient) -> None:
    assert_error_shape(await admin.get("/no-such-thing"), 404)
    assert_error_shape(await admin.delete("/health"), 405)


async def test_unexpected_failure_is_500_without_trace(api: Api) -> None:
    def broken(token: str) -> None:
        raise RuntimeError("internal detail that must not be shown")

    api.auth.principal_for_token = broken  # type: ignore[method-assign,assignment]
    async with api.client("whatever") as client:
        response = await client.get("/me")
    body = assert_error_shape(response, 500)
    assert "internal detail" not in response.text
    assert "RuntimeError" not in str(body)


async def test_openapi_is_served(api: Api) -> None:
    async with api.client(base="http://hushflow.test") as client:
        response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/main/me" in paths
    assert "/api/v1/me" not in paths  # the tenant-less alias is the same route


async def test_cookie_session_needs_csrf_on_changes(api: Api) -> None:
    principal = api.auth.tokens[api.admin_token]
    api.auth.sessions["sess-2"] = principal
    async with api.client() as client:
        client.cookies.set("hushflow_session", "sess-2")
        refused = await client.post(
            "/flows", content="id: x", headers={"Content-Type": "application/x-yaml"}
        )
    assert_error_shape(refused, 403)


async def test_default_authenticator_is_the_auth_service(sqlite_url: str) -> None:
    import secrets

    from hushflow.api.app import create_app
    from hushflow.auth.service import AuthService
    from hushflow.storage.database import open_database

    database = open_database(sqlite_url)
    try:
        token = secrets.token_urlsafe(32)
        AuthService(database).bootstrap({"HUSHFLOW_BOOTSTRAP_ADMIN_TOKEN": token})
        app = create_app(database)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1/main") as c:
            me = await c.get("/me", headers={"Authorization": f"Bearer {token}"})
            wrong = await c.get("/me", headers={"Authorization": "Bearer " + "x" * 43})
            proxied = await c.get("/me", headers={"X-Forwarded-User": "admin"})
        assert me.json()["name"] == "admin"
        assert_error_shape(wrong, 401)
        assert_error_shape(proxied, 401)  # no trusted proxy configured
    finally:
        database.dispose()


async def test_trusted_proxy_header(sqlite_url: str) -> None:
    from hushflow.api.app import create_app
    from hushflow.auth.service import AuthService
    from hushflow.storage.database import open_database

    database = open_database(sqlite_url)
    try:
        auth = AuthService(database, trusted_proxies=["127.0.0.1/32"])
        auth.create_user("carol")
        app = create_app(database, authenticator=auth)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1/main") as c:
            me = await c.get("/me", headers={"X-Forwarded-User": "carol"})
        assert me.json()["name"] == "carol"
        elsewhere = httpx.ASGITransport(app=app, client=("10.1.2.3", 5000))
        async with httpx.AsyncClient(transport=elsewhere, base_url="http://t/api/v1/main") as c:
            assert_error_shape(await c.get("/me", headers={"X-Forwarded-User": "carol"}), 401)
    finally:
        database.dispose()


async def test_openapi_declares_statuses_and_event_streams(api: Api) -> None:
    async with api.client(base="http://hushflow.test") as client:
        document = (await client.get("/api/v1/openapi.json")).json()
    streams = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            answers = operation["responses"]
            if path != "/api/v1/main/health":
                assert {"400", "401", "422"} <= set(answers), (method, path)
            for status, response in answers.items():
                if status[0] in "45":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path)
            stream = answers.get("200", {}).get("content", {}).get("text/event-stream")
            if stream is not None:
                streams += 1
                assert "itemSchema" in stream, (method, path)
            if ("{executionId}" in path and method != "get") or (
                "{id}" in path and method in ("put", "delete")
            ):
                assert "404" in answers, (method, path)
    assert streams == 2  # executions follow and logs follow


async def test_nul_characters_are_bad_input_on_every_backend(admin: httpx.AsyncClient) -> None:
    assert_error_shape(await admin.get("/executions", params={"namespace": "a\x00b"}), 422)
    assert_error_shape(await admin.get("/flows/a%00b/x"), 404)
    yaml = {"Content-Type": "application/x-yaml"}
    bad_flow = await admin.post("/flows", content="id: a\x00b\nnamespace: n\n", headers=yaml)
    assert bad_flow.status_code in (400, 422)
    described = await admin.put(
        "/namespaces/company/secrets",
        json={"key": "K", "value": "v-123456", "description": "a\x00"},
    )
    assert_error_shape(described, 422)
    flow = "id: f\nnamespace: n\ninputs:\n  - id: s\n    type: STRING\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n    message: '{{ inputs.s }}'\n"
    assert (await admin.post("/flows", content=flow, headers=yaml)).status_code == 200
    run = await admin.post("/executions/n/f", params={"wait": "true"}, json={"s": "a\x00b"})
    assert_error_shape(run, 422)
    form = await admin.post("/executions/n/f", data={"s": "a\x00b"})
    assert_error_shape(form, 422)
