"""Executions and logs through the API: start with inputs and labels, wait, search, actions, SSE."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest

from tests.api.conftest import Api
from tests.api.test_app import assert_error_shape

pytestmark = pytest.mark.anyio
YAML = {"Content-Type": "application/x-yaml"}

GREET = """\
id: greet
namespace: company.team
inputs:
  - id: name
    type: STRING
  - id: times
    type: INT
    defaults: 1
  - id: token
    type: SECRET
    required: false
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "hello {{ inputs.name }} x{{ inputs.times }} {{ inputs.token ?? '' }}"
  - id: debug
    type: io.kestra.plugin.core.log.Log
    level: DEBUG
    message: "debug line"
outputs:
  - id: said
    type: STRING
    value: "{{ inputs.name }}"
"""

SLEEPY = """\
id: sleepy
namespace: company.team
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
"""

FAILS = """\
id: fails
namespace: company.team
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "no luck"
"""

PAUSES = """\
id: pauses
namespace: company.team
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: resumed
"""


async def deploy(client: httpx.AsyncClient, source: str) -> None:
    response = await client.post("/flows", content=source, headers=YAML)
    assert response.status_code == 200, response.text


async def wait_state(
    client: httpx.AsyncClient, execution_id: str, *states: str
) -> dict[str, object]:
    """Poll until the execution is in one of ``states`` (bounded by the follow stream's end)."""
    for _ in range(600):
        body = (await client.get(f"/executions/{execution_id}")).json()
        if body["state"]["current"] in states:
            return dict(body)
        import anyio

        await anyio.sleep(0.05)
    raise AssertionError(f"execution {execution_id} never reached {states}")


async def test_start_with_multipart_inputs_and_wait(admin: httpx.AsyncClient) -> None:
    await deploy(admin, GREET)
    response = await admin.post(
        "/executions/company.team/greet",
        params={"wait": "true", "labels": ["team:data", "env:test"]},
        files={"name": (None, "ada"), "times": (None, "3")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"]["current"] == "SUCCESS"
    assert body["inputs"]["times"] == 3
    assert body["outputs"] == {"said": "ada"}
    assert {"key": "team", "value": "data"} in body["labels"]
    assert [t["taskId"] for t in body["taskRunList"]] == ["say", "debug"]
    logs = (await admin.get(f"/logs/{body['id']}")).json()
    assert [entry["message"] for entry in logs] == ["hello ada x3 ", "debug line"]
    info = (await admin.get(f"/logs/{body['id']}", params={"minLevel": "INFO"})).json()
    assert [entry["message"] for entry in info] == ["hello ada x3 "]
    by_task = (await admin.get(f"/logs/{body['id']}", params={"taskId": "debug"})).json()
    assert [entry["taskId"] for entry in by_task] == ["debug"]
    text = (await admin.get(f"/logs/{body['id']}/download")).text
    assert "INFO  [say] hello ada x3" in text and text.endswith("\n")


async def test_json_inputs_and_secret_input_stays_masked(admin: httpx.AsyncClient) -> None:
    await deploy(admin, GREET)
    planted = secrets.token_hex(16)
    response = await admin.post(
        "/executions/company.team/greet",
        params={"wait": "true"},
        json={"name": "bob", "times": 2, "token": planted},
    )
    body = response.json()
    assert body["state"]["current"] == "SUCCESS", body
    everything = [response.text]
    everything.append((await admin.get(f"/executions/{body['id']}")).text)
    everything.append((await admin.get(f"/logs/{body['id']}")).text)
    everything.append((await admin.get(f"/logs/{body['id']}/download")).text)
    assert not any(planted in text for text in everything)
    assert "****" in everything[2]


async def test_bad_inputs_are_422(admin: httpx.AsyncClient) -> None:
    await deploy(admin, GREET)
    missing = await admin.post("/executions/company.team/greet", json={"times": 2})
    body = assert_error_shape(missing, 422)
    assert "name" in str(body["message"])
    assert_error_shape(
        await admin.post("/executions/company.team/greet", json={"name": "x", "nope": 1}), 422
    )
    assert_error_shape(
        await admin.post(
            "/executions/company.team/greet",
            content=b"[1]",
            headers={"Content-Type": "application/json"},
        ),
        422,
    )
    assert_error_shape(
        await admin.post("/executions/company.team/greet", params={"labels": "novalue"}), 422
    )
    assert_error_shape(await admin.post("/executions/company.team/nosuch"), 404)


async def test_file_input_only_as_upload(admin: httpx.AsyncClient, tmp_path: object) -> None:
    source = """\
id: takes-file
namespace: company.team
inputs:
  - id: data
    type: FILE
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.data }}"
"""
    await deploy(admin, source)
    as_path = await admin.post("/executions/company.team/takes-file", json={"data": "/etc/passwd"})
    assert_error_shape(as_path, 422)
    as_field = await admin.post("/executions/company.team/takes-file", data={"data": "/etc/passwd"})
    assert_error_shape(as_field, 422)
    uploaded = await admin.post(
        "/executions/company.team/takes-file",
        params={"wait": "true"},
        files={"data": ("data.txt", b"some bytes")},
    )
    assert uploaded.json()["state"]["current"] == "SUCCESS", uploaded.text
    assert uploaded.json()["inputs"]["data"].startswith("kestra:///")


async def test_search_keyset_pages(admin: httpx.AsyncClient) -> None:
    await deploy(admin, GREET)
    started = []
    for i in range(5):
        r = await admin.post("/executions/company.team/greet", json={"name": f"n{i}"})
        started.append(r.json()["id"])
    seen: list[str] = []
    after = None
    for _ in range(10):
        params: dict[str, object] = {"namespace": "company.team", "size": 2}
        if after:
            params["after"] = after
        page = (await admin.get("/executions/search", params=params)).json()
        assert page["total"] == 5
        seen += [e["id"] for e in page["results"]]
        after = page["next"]
        if not after:
            break
    assert sorted(seen) == sorted(started) and len(seen) == 5
    by_flow = (
        await admin.get("/executions", params={"namespace": "company.team", "flowId": "greet"})
    ).json()
    assert by_flow["total"] == 5
    kestra = await admin.get("/executions/search", params={"filters[flowId][EQUALS]": "greet"})
    assert kestra.json()["total"] == 5
    assert_error_shape(await admin.get("/executions/search", params={"after": "garbage!"}), 400)
    assert_error_shape(await admin.get("/executions/search", params={"state": "NOPE"}), 400)
    assert_error_shape(
        await admin.get("/executions/search", params={"filters[color][EQUALS]": "x"}), 400
    )


async def test_kill_restart_delete_both_path_forms(admin: httpx.AsyncClient) -> None:
    await deploy(admin, SLEEPY)
    await deploy(admin, FAILS)
    first = (await admin.post("/executions/company.team/sleepy")).json()
    await wait_state(admin, first["id"], "RUNNING")
    killed = await admin.delete(f"/executions/{first['id']}/actions/kill")
    assert killed.status_code == 202, killed.text
    await wait_state(admin, first["id"], "KILLED")
    assert_error_shape(await admin.delete(f"/executions/{first['id']}/kill"), 409)

    second = (await admin.post("/executions/company.team/sleepy")).json()
    await wait_state(admin, second["id"], "RUNNING")
    assert_error_shape(await admin.delete(f"/executions/{second['id']}"), 409)
    assert (await admin.delete(f"/executions/{second['id']}/kill")).status_code == 202
    await wait_state(admin, second["id"], "KILLED")

    failed = (await admin.post("/executions/company.team/fails", params={"wait": "true"})).json()
    assert failed["state"]["current"] == "FAILED"
    restarted = await admin.post(f"/executions/{failed['id']}/actions/restart")
    assert restarted.status_code == 200, restarted.text
    await wait_state(admin, failed["id"], "FAILED")
    again = await admin.post(f"/executions/{failed['id']}/restart")
    assert again.status_code == 200
    done = await wait_state(admin, failed["id"], "FAILED")
    assert "RESTARTED" in [h["state"] for h in done["state"]["histories"]]  # type: ignore[index]

    assert (await admin.delete(f"/executions/{first['id']}")).status_code == 204
    assert_error_shape(await admin.get(f"/executions/{first['id']}"), 404)
    assert_error_shape(await admin.get(f"/logs/{first['id']}"), 404)
    assert_error_shape(await admin.post("/executions/nosuch/actions/restart"), 404)


async def test_resume_a_paused_execution(admin: httpx.AsyncClient) -> None:
    await deploy(admin, PAUSES)
    started = (await admin.post("/executions/company.team/pauses")).json()
    assert_error_shape(await admin.post(f"/executions/{started['id']}/actions/restart"), 409)
    await wait_state(admin, started["id"], "PAUSED")
    assert (await admin.post(f"/executions/{started['id']}/actions/resume")).status_code == 200
    done = await wait_state(admin, started["id"], "SUCCESS")
    assert done["state"]["current"] == "SUCCESS"
    assert_error_shape(await admin.post(f"/executions/{started['id']}/resume"), 409)


def sse_events(text: str) -> list[tuple[str, object]]:
    events = []
    for block in text.strip().split("\n\n"):
        name, data = "message", None
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data = json.loads(line.removeprefix("data:").strip())
        if data is not None:
            events.append((name, data))
    return events


async def test_follow_execution_and_logs_end_with_end(admin: httpx.AsyncClient) -> None:
    await deploy(admin, GREET)
    started = (await admin.post("/executions/company.team/greet", json={"name": "eve"})).json()
    followed = await admin.get(f"/executions/{started['id']}/follow")
    assert followed.headers["content-type"].startswith("text/event-stream")
    events = sse_events(followed.text)
    assert events[-1][0] == "end"
    assert events[-1][1]["state"]["current"] == "SUCCESS"  # type: ignore[index]
    assert all(name == "execution" for name, _ in events[:-1])
    logs = sse_events((await admin.get(f"/logs/{started['id']}/follow")).text)
    assert [d["message"] for n, d in logs if n == "log"] == ["hello eve x1 ", "debug line"]  # type: ignore[index]
    assert logs[-1] == ("end", {"executionId": started["id"], "state": "SUCCESS"})
    assert_error_shape(await admin.get("/executions/nosuch/follow"), 404)


async def test_roles_on_executions(api: Api, admin: httpx.AsyncClient) -> None:
    await deploy(admin, GREET)
    done = (await admin.post("/executions/company.team/greet", params={"wait": "true"},
                             json={"name": "x"})).json()  # fmt: skip
    async with api.as_role("viewer", "company.team") as viewer:
        assert (await viewer.get(f"/executions/{done['id']}")).status_code == 200
        assert_error_shape(
            await viewer.post("/executions/company.team/greet", json={"name": "x"}), 403
        )
        assert_error_shape(await viewer.post(f"/executions/{done['id']}/actions/restart"), 403)
    async with api.as_role("launcher", "company.teamb") as sibling:
        assert_error_shape(await sibling.get(f"/executions/{done['id']}"), 404)
        assert_error_shape(await sibling.get(f"/logs/{done['id']}"), 404)
        assert_error_shape(
            await sibling.post("/executions/company.team/greet", json={"name": "x"}), 404
        )
        assert (await sibling.get("/executions/search")).json()["total"] == 0
    async with api.as_role("launcher", "company.team") as launcher:
        started = await launcher.post("/executions/company.team/greet", json={"name": "y"})
        assert started.status_code == 200
