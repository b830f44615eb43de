"""Flows through the API: create from YAML, get, update, revisions, search, delete, validate."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Api
from tests.api.test_app import assert_error_shape

pytestmark = pytest.mark.anyio
YAML = {"Content-Type": "application/x-yaml"}

HELLO = """\
id: hello
namespace: company.team
labels:
  owner: data
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: hello
"""


async def post_flow(client: httpx.AsyncClient, source: str) -> httpx.Response:
    return await client.post("/flows", content=source, headers=YAML)


async def test_create_get_update_revisions_delete(admin: httpx.AsyncClient) -> None:
    created = await post_flow(admin, HELLO)
    assert created.status_code == 200, created.text
    body = created.json()
    assert (body["id"], body["namespace"], body["revision"]) == ("hello", "company.team", 1)
    assert body["source"] == HELLO
    assert body["labels"] == [{"key": "owner", "value": "data"}]
    assert body["tasks"][0]["type"] == "io.kestra.plugin.core.log.Log"

    got = await admin.get("/flows/company.team/hello")
    assert got.json()["revision"] == 1

    changed = HELLO.replace("message: hello", "message: bonjour")
    updated = await admin.put("/flows/company.team/hello", content=changed, headers=YAML)
    assert updated.status_code == 200 and updated.json()["revision"] == 2
    same = await admin.put("/flows/company.team/hello", content=changed, headers=YAML)
    assert same.json()["revision"] == 2

    revisions = (await admin.get("/flows/company.team/hello/revisions")).json()
    assert [r["revision"] for r in revisions] == [1, 2]
    first = await admin.get("/flows/company.team/hello", params={"revision": 1})
    assert first.json()["source"] == HELLO

    assert (await admin.delete("/flows/company.team/hello")).status_code == 204
    assert_error_shape(await admin.get("/flows/company.team/hello"), 404)
    assert_error_shape(await admin.delete("/flows/company.team/hello"), 404)


async def test_create_twice_is_a_conflict(admin: httpx.AsyncClient) -> None:
    assert (await post_flow(admin, HELLO)).status_code == 200
    assert_error_shape(await post_flow(admin, HELLO), 409)


async def test_invalid_flow_has_positioned_details(admin: httpx.AsyncClient) -> None:
    broken = HELLO.replace("    message: hello\n", "    message: hello\n    nosuch: 1\n")
    body = assert_error_shape(await post_flow(admin, broken), 422)
    details = body["details"]
    assert isinstance(details, list) and details
    assert details[0]["line"] == 9 and details[0]["column"] is not None
    assert "nosuch" in details[0]["message"]


async def test_bad_yaml_and_bad_bytes(admin: httpx.AsyncClient) -> None:
    body = assert_error_shape(await post_flow(admin, "id: [unclosed\n"), 422)
    assert body["details"][0]["line"] is not None  # type: ignore[index]
    assert_error_shape(await admin.post("/flows", content=b"\xff\xfe", headers=YAML), 400)


async def test_update_cannot_rename(admin: httpx.AsyncClient) -> None:
    await post_flow(admin, HELLO)
    other = HELLO.replace("id: hello", "id: other")
    assert_error_shape(
        await admin.put("/flows/company.team/hello", content=other, headers=YAML), 422
    )
    assert_error_shape(
        await admin.put("/flows/company.team/nosuch", content=HELLO, headers=YAML), 404
    )


async def test_search_and_list(admin: httpx.AsyncClient) -> None:
    await post_flow(admin, HELLO)
    await post_flow(admin, HELLO.replace("company.team", "company.teamb"))
    await post_flow(
        admin, HELLO.replace("company.team", "company.team.etl").replace("hello", "etl")
    )
    found = (await admin.get("/flows/search", params={"namespace": "company.team"})).json()
    assert sorted(f["namespace"] for f in found["results"]) == ["company.team", "company.team.etl"]
    assert found["total"] == 2
    text = (await admin.get("/flows/search", params={"q": "etl"})).json()
    assert [f["id"] for f in text["results"]] == ["etl"]
    listed = (await admin.get("/flows/company.team")).json()
    assert [f["id"] for f in listed] == ["hello"] and "source" not in listed[0]


async def test_validate_reports_each_document(admin: httpx.AsyncClient) -> None:
    broken = HELLO.replace("id: hello", "id: broken").replace("message: hello", "nosuch: 1")
    response = await admin.post("/flows/validate", content=HELLO + "---\n" + broken, headers=YAML)
    assert response.status_code == 200
    first, second = response.json()
    assert first["flow"] == "hello" and first["constraints"] is None
    assert second["flow"] == "broken" and "nosuch" in second["constraints"]
    assert second["details"][0]["line"] is not None
    assert (
        await admin.get("/flows/search") and (await admin.get("/flows/search")).json()["total"] == 0
    )


async def test_roles_see_only_their_namespaces(api: Api, admin: httpx.AsyncClient) -> None:
    await post_flow(admin, HELLO)
    async with api.as_role("viewer", "company.teamb") as sibling:
        assert_error_shape(await sibling.get("/flows/company.team/hello"), 404)
        assert (await sibling.get("/flows/search")).json()["total"] == 0
    async with api.as_role("viewer", "company") as parent_viewer:
        assert (await parent_viewer.get("/flows/company.team/hello")).status_code == 200
        assert_error_shape(await parent_viewer.delete("/flows/company.team/hello"), 403)
    async with api.as_role("editor", "company.team.etl") as child_editor:
        assert_error_shape(await post_flow(child_editor, HELLO), 403)


async def test_validate_returns_the_linters_findings_at_their_place(
    admin: httpx.AsyncClient,
) -> None:
    source = (
        "id: secret_demo\nnamespace: company.team\ntasks:\n  - id: hello\n"
        "    type: io.kestra.plugin.core.log.Log\n"
        "    message: \"token {{ secret('jsonSecret') | jq('.token') }}\"\n"
    )
    response = await admin.post("/flows/validate", content=source, headers=YAML)
    assert response.status_code == 200
    (result,) = response.json()
    assert result["constraints"] is None
    found = {(w["rule"], w["line"], w["column"]) for w in result["warnings"]}
    column = source.splitlines()[5].index("secret(") + 1
    assert ("secret-in-log", 6, column) in found
    assert any(w["rule"] == "secret-transformed" and w["severity"] for w in result["warnings"])


async def test_validate_of_deeply_nested_yaml_is_a_positioned_refusal(
    admin: httpx.AsyncClient,
) -> None:
    source = "id: x\nnamespace: y\ntasks: " + "[" * 3000 + "]" * 3000 + "\n"
    response = await admin.post("/flows/validate", content=source, headers=YAML)
    assert response.status_code == 200
    (result,) = response.json()
    assert "nested more than" in result["constraints"]
