"""Kestra's own Python SDK (kestrapy) drives hushflow: its models parse what hushflow answers."""

from __future__ import annotations

import secrets
import time
import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    # kestrapy's generated models shadow BaseModel.validate, which pydantic warns about.
    warnings.simplefilter("ignore", UserWarning)
    from kestrapy import KestraClient
    from kestrapy.exceptions import NotFoundException
    from kestrapy.models.api_secret_meta_ee import ApiSecretMetaEE
    from kestrapy.models.api_secret_value import ApiSecretValue
    from kestrapy.models.execution import Execution
    from kestrapy.models.execution_controller_eval_result import ExecutionControllerEvalResult
    from kestrapy.models.flow_with_source import FlowWithSource
    from kestrapy.models.log_entry import LogEntry

from tests.api.conftest import Api

TENANT = "main"
NS = "company.sdk"

FLOW = f"""\
id: sdk
namespace: {NS}
inputs:
  - id: who
    type: STRING
    defaults: world
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "hello {{{{ inputs.who }}}} {{{{ secret('SDK_TOKEN') }}}}"
"""
SLEEPY = f"""\
id: sleepy
namespace: {NS}
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
"""


def strict(model: Any, data: Any) -> None:
    """kestrapy falls back to an unvalidated object on a mismatch; insist on the validated parse."""
    model.from_dict(data)


def test_kestrapy_flows_executions_logs_secrets_eval(api: Api, served: str) -> None:
    client = KestraClient(host=served, token=api.admin_token, timeout=60)
    value = secrets.token_hex(16)

    metas = client.namespaces.put_secrets(
        NS, TENANT, ApiSecretValue(key="SDK_TOKEN", value=value, description="sdk")
    )
    assert [m.key for m in metas] == ["SDK_TOKEN"]
    listed = client.namespaces.inherited_secrets(f"{NS}.child", TENANT)
    assert listed == {NS: ["SDK_TOKEN"]}
    patched = client.namespaces.patch_secret(
        NS, "SDK_TOKEN", TENANT, ApiSecretMetaEE(key="SDK_TOKEN", description="new", tags=[])
    )
    assert patched[0].description == "new"

    created = client.flows.create_flow(TENANT, FLOW)
    assert isinstance(created, FlowWithSource) and created.revision == 1
    got = client.flows.flow(NS, "sdk", TENANT)
    assert got.source == FLOW
    updated = client.flows.update_flow(NS, "sdk", TENANT, FLOW.replace("hello", "hi"))
    assert updated.revision == 2
    found = client.flows.search_flows(TENANT)
    assert [f.id for f in found.results] == ["sdk"]

    started = client.executions.create_execution(
        TENANT, NS, "sdk", wait=True, inputs={"who": "sdk"}
    )
    assert started.state.current.value == "SUCCESS"
    fetched = client.executions.execution(started.id, TENANT)
    assert isinstance(fetched, Execution) and fetched.flow_id == "sdk"
    searched = client.executions.search_executions(TENANT)
    assert searched["total"] == 1

    logs = client.logs.list_logs_from_execution(started.id, TENANT)
    assert all(isinstance(e, LogEntry) for e in logs)
    assert logs[0].message == "hi sdk ****"

    run_id = fetched.task_run_list[0].id
    result = client.executions.eval_task_run_expression(started.id, run_id, TENANT, "{{ task.id }}")
    assert isinstance(result, ExecutionControllerEvalResult) and result.result == "say"
    refused = client.executions.eval_task_run_expression(
        started.id, run_id, TENANT, "{{ secret('SDK_TOKEN') }}"
    )
    assert refused.result is None and "secret()" in str(refused.error)

    client.flows.create_flow(TENANT, SLEEPY)
    sleeping = client.executions.create_execution(TENANT, NS, "sleepy")
    for _ in range(600):
        if client.executions.execution(sleeping.id, TENANT).state.current.value == "RUNNING":
            break
        time.sleep(0.05)
    client.executions.kill_execution(sleeping.id, TENANT)
    for _ in range(600):
        if client.executions.execution(sleeping.id, TENANT).state.current.value == "KILLED":
            break
        time.sleep(0.05)
    restarted = client.executions.restart_execution(sleeping.id, TENANT)
    assert restarted.id == sleeping.id
    client.executions.kill_execution(sleeping.id, TENANT)

    client.namespaces.delete_secret(NS, "SDK_TOKEN", TENANT)
    client.flows.delete_flow(NS, "sdk", TENANT)
    with pytest.raises(NotFoundException):
        client.flows.flow(NS, "sdk", TENANT)


def test_kestrapy_models_validate_hushflow_json(api: Api, served: str) -> None:
    """The raw JSON passes the SDK's strict models, not only its lenient fallback."""
    import httpx

    headers = {"Authorization": f"Bearer {api.admin_token}"}
    with httpx.Client(base_url=f"{served}/api/v1/main", headers=headers, timeout=60) as c:
        flow = c.post("/flows", content=FLOW, headers={"Content-Type": "application/x-yaml"}).json()
        c.put(f"/namespaces/{NS}/secrets", json={"key": "SDK_TOKEN", "value": secrets.token_hex(8)})
        execution = c.post(f"/executions/{NS}/sdk", params={"wait": "true"}).json()
        logs = c.get(f"/logs/{execution['id']}").json()
        run_id = execution["taskRunList"][0]["id"]
        answer = c.post(
            f"/executions/{execution['id']}/eval/{run_id}", content="{{ 1 }}",
            headers={"Content-Type": "text/plain"},
        ).json()  # fmt: skip
        metas = c.get(f"/namespaces/{NS}/secrets").json()["results"]
    strict(FlowWithSource, flow)
    strict(Execution, execution)
    for entry in logs:
        strict(LogEntry, entry)
    strict(ExecutionControllerEvalResult, answer)
    for meta in metas:
        strict(ApiSecretMetaEE, meta)
