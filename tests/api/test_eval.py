"""Debug Expression: results in the execution's context; secret() refused on every path."""

from __future__ import annotations

import secrets

import httpx
import pytest

from hushflow.api.debug_expression import REFUSED
from tests.api.conftest import Api
from tests.api.test_app import assert_error_shape
from tests.api.test_secrets import assert_no_value, put

pytestmark = pytest.mark.anyio
YAML = {"Content-Type": "application/x-yaml"}
TEXT = {"Content-Type": "text/plain"}

FLOW = """\
id: debug
namespace: company.team
inputs:
  - id: template
    type: STRING
  - id: token
    type: SECRET
variables:
  tok: "{{ secret('API_TOKEN') }}"
tasks:
  - id: keep
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.template }}"
  - id: derived
    type: io.kestra.plugin.core.debug.Return
    format: "{{ secret('API_TOKEN') | upper }}"
  - id: fromInput
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.token }}"
"""


@pytest.fixture
async def ran(api: Api, admin: httpx.AsyncClient) -> tuple[dict[str, object], list[str]]:
    value = secrets.token_hex(16)
    secret_input = secrets.token_hex(16)
    await put(admin, "company.team", "API_TOKEN", value)
    assert (await admin.post("/flows", content=FLOW, headers=YAML)).status_code == 200
    run = await admin.post(
        "/executions/company.team/debug", params={"wait": "true"},
        json={"template": "{{ secret('API_TOKEN') }}", "token": secret_input},
    )  # fmt: skip
    body = run.json()
    assert body["state"]["current"] == "SUCCESS", body
    return body, [value, secret_input]


async def evaluate(client: httpx.AsyncClient, path: str, expression: str) -> dict[str, object]:
    response = await client.post(path, content=expression, headers=TEXT)
    assert response.status_code == 200, response.text
    assert "Traceback" not in response.text
    return dict(response.json())


REFUSALS = {
    "direct": "{{ secret('API_TOKEN') }}",
    "with-default": "{{ secret('API_TOKEN') ?? 'fallback' }}",
    "render-literal": "{{ render(\"{{ secret('API_TOKEN') }}\") }}",
    "render-variable": "{{ render(vars.tok) }}",
    "render-output": "{{ render(outputs.keep.value) }}",
    "render-input": "{{ renderOnce(inputs.template) }}",
    "concatenated-twice": "{{ render('{{ sec' ~ 'ret(' ~ \"'API_TOKEN'\" ~ ') }}') }}",
    "set-then-render": "{% set f = 'sec' ~ 'ret' %}{{ render('{{ ' ~ f ~ \"('API_TOKEN') }}\") }}",
    "in-condition": "{% if secret('API_TOKEN') == 'x' %}yes{% endif %}",
}


@pytest.mark.parametrize("expression", list(REFUSALS.values()), ids=list(REFUSALS))
async def test_secret_refused_every_way(
    admin: httpx.AsyncClient, ran: tuple[dict[str, object], list[str]], expression: str
) -> None:
    execution, _ = ran
    for path in (
        f"/executions/{execution['id']}/eval",
        f"/executions/{execution['id']}/actions/eval",
    ):
        answer = await evaluate(admin, path, expression)
        assert answer == {"result": None, "error": REFUSED}
    run_id = execution["taskRunList"][0]["id"]  # type: ignore[index]
    for path in (
        f"/executions/{execution['id']}/eval/{run_id}",
        f"/executions/{execution['id']}/actions/eval/{run_id}",
    ):
        answer = await evaluate(admin, path, expression)
        assert answer["error"] == REFUSED


async def test_results_are_masked_and_secret_inputs_stay_sealed(
    admin: httpx.AsyncClient, ran: tuple[dict[str, object], list[str]]
) -> None:
    execution, planted = ran
    path = f"/executions/{execution['id']}/eval"
    texts = []
    for expression in (
        "{{ outputs.derived.value }}",
        "{{ outputs.derived.value | lower }}",
        "{{ outputs.fromInput.value }}",
        "{{ inputs.token }}",
        "{{ inputs }}",
        "{{ outputs }}",
        "{{ vars.tok }}",
    ):
        answer = await evaluate(admin, path, expression)
        assert answer["error"] is None, answer
        texts.append(str(answer["result"]))
    assert_no_value(texts, planted[0])
    assert_no_value(texts, planted[1])
    assert "****" in texts[0] and "****" in texts[3]
    assert texts[6] == "{{ secret('API_TOKEN') }}"  # the text of the variable, unrendered


async def test_task_run_context_and_errors(
    admin: httpx.AsyncClient, ran: tuple[dict[str, object], list[str]]
) -> None:
    execution, _ = ran
    run = execution["taskRunList"][1]  # type: ignore[index]
    answer = await evaluate(
        admin, f"/executions/{execution['id']}/eval/{run['id']}", "{{ task.id }}/{{ taskrun.id }}"
    )
    assert answer == {"result": f"derived/{run['id']}", "error": None}
    flow_level = await evaluate(admin, f"/executions/{execution['id']}/eval", "{{ flow.id }}")
    assert flow_level["result"] == "debug"
    broken = await evaluate(admin, f"/executions/{execution['id']}/eval", "{{ 1 + }}")
    assert broken["result"] is None and broken["error"]
    assert_error_shape(
        await admin.post(
            f"/executions/{execution['id']}/eval/nosuch", content="{{ 1 }}", headers=TEXT
        ),
        404,
    )
    assert_error_shape(
        await admin.post("/executions/nosuch/eval", content="{{ 1 }}", headers=TEXT), 404
    )


async def test_eval_needs_the_eval_permission(
    api: Api, ran: tuple[dict[str, object], list[str]]
) -> None:
    execution, _ = ran
    async with api.as_role("viewer", "company.team") as viewer:
        assert_error_shape(
            await viewer.post(
                f"/executions/{execution['id']}/eval", content="{{ 1 }}", headers=TEXT
            ),
            403,
        )
    async with api.as_role("developer", "company.teamb") as sibling:
        assert_error_shape(
            await sibling.post(
                f"/executions/{execution['id']}/eval", content="{{ 1 }}", headers=TEXT
            ),
            404,
        )
