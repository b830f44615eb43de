"""Namespace secrets, namespaces and the audit log through the API; no value ever comes out."""

from __future__ import annotations

import base64
import json
import secrets
import urllib.parse

import httpx
import pytest

from tests.api.conftest import Api
from tests.api.test_app import assert_error_shape

pytestmark = pytest.mark.anyio
YAML = {"Content-Type": "application/x-yaml"}

USES = """\
id: uses
namespace: company.team.etl
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "token {{ secret('API_TOKEN') }} upper {{ secret('API_TOKEN') | upper }}"
outputs:
  - id: leaked
    type: STRING
    value: "{{ secret('API_TOKEN') | base64encode }}"
"""


def forms(value: str) -> list[str]:
    raw = value.encode()
    return [
        value,
        value.upper(),
        base64.b64encode(raw).decode(),
        urllib.parse.quote(value),
        json.dumps(value)[1:-1],
    ]


def assert_no_value(texts: list[str], value: str) -> None:
    for text in texts:
        for form in forms(value):
            assert form not in text


async def put(
    client: httpx.AsyncClient, ns: str, key: str, value: str, **extra: object
) -> httpx.Response:
    return await client.put(f"/namespaces/{ns}/secrets", json={"key": key, "value": value, **extra})


async def test_put_list_patch_versions_delete(admin: httpx.AsyncClient) -> None:
    value = secrets.token_hex(16)
    created = await put(admin, "company.team", "API_TOKEN", value, description="the api",
                        tags=[{"key": "owner", "value": "data"}])  # fmt: skip
    assert created.status_code == 200, created.text
    assert created.json()[0]["key"] == "API_TOKEN" and created.json()[0]["version"] == 1
    listed = await admin.get("/namespaces/company.team/secrets")
    body = listed.json()
    assert body["readOnly"] is False and body["total"] == 1
    item = body["results"][0]
    assert set(item) == {"key", "namespace", "description", "tags", "version", "updated"}
    assert item["tags"] == [{"key": "owner", "value": "data"}]

    patched = await admin.patch(
        "/namespaces/company.team/secrets/API_TOKEN", json={"description": "new"}
    )
    assert patched.status_code == 200 and patched.json()[0]["description"] == "new"
    assert patched.json()[0]["tags"] == [{"key": "owner", "value": "data"}]
    replaced = await put(admin, "company.team", "API_TOKEN", secrets.token_hex(16))
    assert replaced.json()[0]["version"] == 3
    versions = (await admin.get("/namespaces/company.team/secrets/API_TOKEN/versions")).json()
    assert [v["version"] for v in versions] == [1, 2, 3]

    inherited = (await admin.get("/namespaces/company.team.etl/inherited-secrets")).json()
    assert inherited == {"company.team": ["API_TOKEN"]}

    texts = [created.text, listed.text, patched.text, replaced.text, json.dumps(versions)]
    assert_no_value(texts, value)

    assert (await admin.delete("/namespaces/company.team/secrets/API_TOKEN")).status_code == 204
    assert (await admin.get("/namespaces/company.team/secrets")).json()["total"] == 0
    assert_error_shape(await admin.delete("/namespaces/company.team/secrets/API_TOKEN"), 404)
    assert_error_shape(await admin.patch("/namespaces/company.team/secrets/NOPE", json={}), 404)


async def test_bad_secret_requests_never_echo_the_value(admin: httpx.AsyncClient) -> None:
    value = secrets.token_hex(16)
    for body in (
        {"key": "bad key!", "value": value},
        {"key": "K", "value": value, "extra": 1},
        {"value": value},
        {"key": "K", "value": 12345678},
    ):
        response = await admin.put("/namespaces/company.team/secrets", json=body)
        assert response.status_code in (400, 422), response.text
        assert_no_value([response.text], value)
    assert_error_shape(await put(admin, "not a namespace!", "K", value), 400)


async def test_execution_reads_are_audited_and_values_masked(
    api: Api, admin: httpx.AsyncClient
) -> None:
    value = secrets.token_hex(16)
    await put(admin, "company.team", "API_TOKEN", value)
    await admin.post("/flows", content=USES, headers=YAML)
    run = await admin.post("/executions/company.team.etl/uses", params={"wait": "true"})
    body = run.json()
    assert body["state"]["current"] == "SUCCESS", body
    logs = await admin.get(f"/logs/{body['id']}")
    assert "****" in logs.text
    assert_no_value(
        [run.text, logs.text, (await admin.get(f"/executions/{body['id']}")).text], value
    )

    audit = (await admin.get("/auditlogs/search", params={"executionId": body["id"]})).json()
    reads = [r["auditLog"] for r in audit["results"] if r["auditLog"]["type"] == "read"]
    assert reads and all(r["detail"]["key"] == "API_TOKEN" for r in reads)
    changes = (await admin.get("/auditlogs/search", params={"actor": "admin"})).json()
    kinds = {r["auditLog"]["type"] for r in changes["results"]}
    assert {"set", "flow.create", "execution.create"} <= kinds
    assert_no_value([json.dumps(audit), json.dumps(changes)], value)
    assert all(r["auditLog"]["date"].endswith("Z") for r in changes["results"])


async def test_audit_pages_and_filters(api: Api, admin: httpx.AsyncClient) -> None:
    for i in range(5):
        await put(admin, "company.team", f"K{i}", secrets.token_hex(8))
    seen, after = [], None
    for _ in range(10):
        params: dict[str, object] = {"namespace": "company", "size": 2, "action": "set"}
        if after:
            params["after"] = after
        page = (await admin.get("/auditlogs/search", params=params)).json()
        seen += [r["auditLog"]["detail"]["key"] for r in page["results"]]
        after = page["next"]
        if not after:
            break
    assert sorted(seen) == [f"K{i}" for i in range(5)]
    assert (await admin.get("/auditlogs/search", params={"key": "k3"})).json()["total"] == 1
    async with api.as_role("developer", "company") as developer:
        assert_error_shape(await developer.get("/auditlogs/search"), 403)


async def test_secret_permissions(api: Api, admin: httpx.AsyncClient) -> None:
    await put(admin, "company.team", "API_TOKEN", secrets.token_hex(16))
    async with api.as_role("editor", "company.team") as editor:
        assert_error_shape(await editor.get("/namespaces/company.team/secrets"), 403)
        assert_error_shape(await put(editor, "company.team", "X", secrets.token_hex(8)), 403)
        assert_error_shape(await editor.delete("/namespaces/company.team/secrets/API_TOKEN"), 404)
    async with api.as_role("developer", "company.team.etl") as child_dev:
        assert_error_shape(await child_dev.get("/namespaces/company.team/secrets"), 403)
        assert (
            await put(child_dev, "company.team.etl", "MINE", secrets.token_hex(8))
        ).status_code == 200
    async with api.as_role("developer", "company") as parent_dev:
        assert (await parent_dev.get("/namespaces/company.team/secrets")).json()["total"] == 1


async def test_namespaces_list_and_tree(api: Api, admin: httpx.AsyncClient) -> None:
    await admin.post("/flows", content=USES, headers=YAML)
    await put(admin, "other.place", "K", secrets.token_hex(8))
    names = [n["id"] for n in (await admin.get("/namespaces/search")).json()["results"]]
    assert names == ["company", "company.team", "company.team.etl", "other", "other.place"]
    tree = (await admin.get("/namespaces/tree")).json()
    assert [n["id"] for n in tree] == ["company", "other"]
    assert tree[0]["children"][0]["children"][0]["id"] == "company.team.etl"
    assert (await admin.get("/namespaces/company.team")).json() == {
        "id": "company.team",
        "deleted": False,
    }
    assert_error_shape(await admin.get("/namespaces/nowhere"), 404)
    async with api.as_role("viewer", "company.team") as viewer:
        names = [n["id"] for n in (await viewer.get("/namespaces/search")).json()["results"]]
        assert names == ["company", "company.team", "company.team.etl"]
        assert_error_shape(await viewer.get("/namespaces/other.place"), 404)
