"""No-leak fuzz of the IAM routes with the real AuthService, over loopback.

Credentials are generated at run time and planted (a password, another
user's API token, a signed-in session's id and CSRF token, the caller's own
token); schemathesis then drives every users / tokens / service-accounts /
roles / bindings / sign-in operation. No response may contain a planted value
in any form the masker knows (unless the request carried it), none may be a
500, and each must match the OpenAPI document. Bounded by a fixed number of
examples per operation.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

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
from tests.auth.api_fixtures import Iam

from hushflow.auth.records import SubjectType
from hushflow.masking._variants import forms_of

EXAMPLES = 8
IAM_PATHS = ("/users", "/service-accounts", "/roles", "/bindings", "/login", "/logout",
             "/session", "/setup")  # fmt: skip
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _plant(iam: Iam) -> tuple[list[str], dict[str, str]]:
    password = "pw-" + secrets.token_hex(16)
    victim = iam.auth.create_user("victim", password)
    iam.auth.bind(SubjectType.USER, victim.id, "developer", "company")
    issued = iam.auth.create_token(SubjectType.USER, victim.id, "planted")
    session = iam.auth.sign_in("victim", password)
    planted = [password, issued.value, session.session_id, session.csrf_token, iam.admin_token]
    return planted, {"id": victim.id, "tokenId": issued.info.id}


def _sent(case: Any) -> str:
    parts = [case.body, case.query, case.path_parameters, case.headers]
    return json.dumps([p for p in parts if p], default=str)


def _order(operation: Any) -> tuple[int, str]:
    rank = {"GET": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}
    return rank.get(operation.method.upper(), 1), operation.label


def test_iam_routes_leak_no_credential(served: tuple[Iam, str]) -> None:
    iam, base = served
    planted, ids = _plant(iam)
    leaks = {v: forms_of(v, 12) | {v} for v in planted}
    document = requests.get(f"{base}/api/v1/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(document)
    operations = sorted(
        (
            r.ok()
            for r in schema.get_all_operations()
            if r.ok().path.removeprefix("/api/v1/main").startswith(IAM_PATHS)
        ),
        key=_order,
    )
    assert len(operations) >= 30, [o.label for o in operations]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {iam.admin_token}"
    problems: list[str] = []

    def check(label: str, case: Any, real: bool) -> None:
        if real and case.path_parameters:
            case.path_parameters = {k: ids.get(k, v) for k, v in case.path_parameters.items()}
        response = case.call(base_url=base, session=session, timeout=60)
        sent = _sent(case)
        for forms in leaks.values():
            if not any(f in sent for f in forms) and any(f in response.text for f in forms):
                problems.append(f"{label}: a planted credential in the answer")
        case.validate_response(response, checks=CHECKS)

    def run(operation: Any) -> None:
        @settings(
            max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        @given(case=operation.as_strategy(), real=st.booleans())
        def examples(case: Any, real: bool) -> None:
            check(operation.label, case, real)

        examples()

    for operation in operations:
        run(operation)  # a schema or server failure fails here, with its reproduction
    assert not problems, sorted(set(problems))
