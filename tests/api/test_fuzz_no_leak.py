"""No-leak fuzz: schemathesis drives every operation of the API over loopback.

Secrets are planted at run time (generated here, never literals: Hypothesis
mines literals from source) in the secret store, in a SECRET input, in an
output computed from a secret and in log lines. Every response must be
free of each planted value in every form the masker knows (base64 at each
alignment, URL, JSON, hex...), unless the request itself carried it; no
response is a 500, and each matches the OpenAPI document (status declared,
content type, body schema). Each operation runs twice per example: with the
generated parameters, and with the path parameters pointed at the planted
objects so the fuzz reaches real data. Bounded by a fixed number of examples.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hushflow.masking._variants import forms_of
from tests.api.conftest import Api

EXAMPLES = 12
NS = "company.team"

FLOW = f"""\
id: planted
namespace: {NS}
inputs:
  - id: token
    type: SECRET
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ secret('PLANTED') }}}} {{{{ inputs.token }}}} {{{{ secret('PLANTED') | base64encode }}}}"
  - id: derive
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ secret('PLANTED') | upper }}}}-{{{{ inputs.token }}}}"
outputs:
  - id: out
    type: STRING
    value: "{{{{ outputs.derive.value }}}}"
"""


def plant(base: str, token: str) -> tuple[list[str], dict[str, str]]:
    """Generated secrets in the store, a SECRET input, an output and logs; ids of what holds them."""
    stored, given_input = secrets.token_hex(16), secrets.token_hex(16)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{base}/api/v1/main", headers=headers, timeout=60) as c:
        assert (
            c.put(f"/namespaces/{NS}/secrets", json={"key": "PLANTED", "value": stored}).status_code
            == 200
        )
        yaml = {"Content-Type": "application/x-yaml"}
        assert c.post("/flows", content=FLOW, headers=yaml).status_code == 200
        run = c.post(
            f"/executions/{NS}/planted", params={"wait": "true"}, json={"token": given_input}
        )
        body = run.json()
        assert body["state"]["current"] == "SUCCESS", body
    ids = {
        "namespace": NS, "id": "planted", "flowId": "planted", "key": "PLANTED",
        "executionId": body["id"], "taskRunId": body["taskRunList"][0]["id"],
    }  # fmt: skip
    return [stored, given_input], ids


def forbidden(values: list[str]) -> dict[str, set[str]]:
    return {v: forms_of(v, 12).all() | {v} for v in values}


def request_text(case: Any) -> str:
    parts = [case.body, case.query, case.path_parameters, case.headers]
    return json.dumps([p for p in parts if p], default=str)


def _order(operation: Any) -> int:
    return {"GET": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}.get(operation.method.upper(), 1)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass
class Fuzz:
    """What every operation's run shares: where, who, what is planted, what was found."""

    base: str
    session: requests.Session
    ids: dict[str, str]
    leaks: dict[str, set[str]]
    problems: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)

    def check(self, label: str, case: Any, real: bool) -> None:
        if real and case.path_parameters:
            case.path_parameters = {k: self.ids.get(k, v) for k, v in case.path_parameters.items()}
        response = case.call(base_url=self.base, session=self.session, timeout=60)
        if real and response.status_code < 300 and "****" in response.text:
            self.reached.add(label)
        sent = request_text(case)
        for forms in self.leaks.values():
            if any(f in sent for f in forms):
                continue  # an echo of what the request carried
            if any(f in response.text for f in forms):
                self.problems.append(f"{label}: planted value leaked ({response.status_code})")
        case.validate_response(response, checks=CHECKS)

    def run(self, operation: Any) -> None:
        label = operation.label

        @settings(
            max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        @given(case=operation.as_strategy(), real=st.booleans())
        def examples(case: Any, real: bool) -> None:
            self.check(label, case, real)

        examples()


def test_no_response_leaks_a_planted_secret(api: Api, served: str) -> None:
    planted, ids = plant(served, api.admin_token)
    document = requests.get(f"{served}/api/v1/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(document)
    operations = sorted((r.ok() for r in schema.get_all_operations()), key=_order)
    assert len(operations) > 30
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {api.admin_token}"
    fuzz = Fuzz(served, session, ids, forbidden(planted))
    for operation in operations:
        fuzz.run(operation)  # a schema or server failure fails here, with its reproduction
    assert not fuzz.problems, "\n".join(sorted(set(fuzz.problems)))
    # The fuzz reached the planted data (masked), so the leak check had something to find.
    for label in (
        "GET /api/v1/main/logs/{executionId}",
        "GET /api/v1/main/executions/{executionId}",
    ):
        assert label in fuzz.reached, sorted(fuzz.reached)
