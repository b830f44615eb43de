"""The HTTP Request task against a real server on 127.0.0.1 that echoes what it gets."""

from __future__ import annotations

import base64
import json
import socket
import textwrap
import threading

import pytest

from hushflow.engine.runner import Engine
from hushflow.models import State
from tests.tasks.conftest import EchoServer
from tests.tasks.task_helpers import FlowRunner, fake_secret

TOKEN = "****"


def request_flow(props: str) -> str:
    return (
        "id: http\nnamespace: company.team\ntasks:\n  - id: r\n"
        "    type: io.kestra.plugin.core.http.Request\n"
        + textwrap.indent(textwrap.dedent(props), "    ")
    )


def test_a_get_outputs_code_headers_body_and_uri(
    run_flow: FlowRunner, echo_server: EchoServer
) -> None:
    run = run_flow(request_flow(f"uri: {echo_server.url}/hello?x=1\n"))
    assert run.execution.state == State.SUCCESS
    out = run.task("r").outputs
    assert out["code"] == 200
    assert out["uri"] == f"{echo_server.url}/hello?x=1"
    assert isinstance(out["body"], str)  # JSON stays text, as in Kestra
    assert json.loads(out["body"])["path"] == "/hello?x=1"
    assert out["headers"]["content-type"] == ["application/json"]
    assert echo_server.seen[0][0] == "/hello?x=1"


def test_the_body_is_usable_downstream(run_flow: FlowRunner, echo_server: EchoServer) -> None:
    text = request_flow(f"uri: {echo_server.url}/x\nmethod: PUT\nbody: '{{\"n\": 5}}'\n")
    text += (
        "  - id: use\n    type: io.kestra.plugin.core.log.Log\n"
        '    message: "{{ fromJson(outputs.r.body).method }} {{ fromJson(outputs.r.body).body }}"\n'
    )
    run = run_flow(text)
    assert run.messages("use") == ['PUT {"n": 5}']
    assert echo_server.seen[0][1]["Content-Type"] == "application/json"


def test_a_secret_in_the_body_is_masked_in_the_echo(
    run_flow: FlowRunner, echo_server: EchoServer
) -> None:
    value = fake_secret()
    props = f"""\
    uri: {echo_server.url}/login
    method: POST
    body: |-
      {{"password": "{{{{ secret('API_PASSWORD') }}}}"}}
    """
    run = run_flow(request_flow(props), {"API_PASSWORD": value})
    assert run.execution.state == State.SUCCESS
    assert value in echo_server.seen[0][2]  # the server really got it
    assert TOKEN in run.task("r").outputs["body"]
    assert run.leaks(value) == []


@pytest.mark.parametrize(
    "auth",
    [
        "headers:\n  Authorization: 'Bearer {value}'\n",
        "options:\n  auth:\n    type: BEARER\n    token: '{value}'\n",
    ],
    ids=["header", "auth-block"],
)
def test_a_literal_bearer_token_is_registered_and_masked(
    run_flow: FlowRunner, echo_server: EchoServer, auth: str
) -> None:
    """The token never went through secret(): the task itself marks it as secret."""
    value = fake_secret()
    run = run_flow(request_flow(f"uri: {echo_server.url}/me\n" + auth.format(value=value)))
    assert echo_server.seen[0][1]["Authorization"] == f"Bearer {value}"
    out = run.task("r").outputs
    assert json.loads(out["body"])["headers"]["Authorization"] == TOKEN
    assert out["headers"]["x-echo-authorization"] == [TOKEN]
    assert run.leaks(value, database=False) == []


@pytest.mark.parametrize(
    "auth",
    [
        "options:\n  basicAuthUser: admin\n  basicAuthPassword: '{value}'\n",
        "options:\n  auth:\n    type: basic\n    username: admin\n    password: '{value}'\n",
    ],
    ids=["basic-auth-options", "auth-block"],
)
def test_a_basic_auth_password_is_registered_and_masked(
    run_flow: FlowRunner, echo_server: EchoServer, auth: str
) -> None:
    value = fake_secret()
    header = "Basic " + base64.b64encode(f"admin:{value}".encode()).decode()
    run = run_flow(request_flow(f"uri: {echo_server.url}/me\n" + auth.format(value=value)))
    assert echo_server.seen[0][1]["Authorization"] == header
    assert json.loads(run.task("r").outputs["body"])["headers"]["Authorization"] == TOKEN
    assert run.leaks(value, header, header.split()[1], database=False) == []


def test_basic_auth_from_secrets_leaves_nothing_anywhere(
    run_flow: FlowRunner, echo_server: EchoServer
) -> None:
    value = fake_secret()
    props = f"""\
    uri: {echo_server.url}/me
    options:
      auth:
        type: BASIC
        username: "{{{{ secret('API_USER') }}}}"
        password: "{{{{ secret('API_PASSWORD') }}}}"
    """
    run = run_flow(request_flow(props), {"API_USER": "service-account", "API_PASSWORD": value})
    header = echo_server.seen[0][1]["Authorization"]
    assert header == "Basic " + base64.b64encode(f"service-account:{value}".encode()).decode()
    assert run.leaks(value, header.split()[1]) == []


def test_a_password_in_the_url_is_registered(run_flow: FlowRunner, echo_server: EchoServer) -> None:
    value = fake_secret()
    uri = echo_server.url.replace("http://", f"http://bot:{value}@")
    run = run_flow(request_flow(f"uri: {uri}/x\n"))
    assert echo_server.seen[0][1]["Authorization"].startswith("Basic ")
    assert run.leaks(value, database=False) == []


def test_an_api_key_header_is_registered(run_flow: FlowRunner, echo_server: EchoServer) -> None:
    value = fake_secret()
    run = run_flow(request_flow(f"uri: {echo_server.url}/x\nheaders:\n  X-API-KEY: '{value}'\n"))
    assert echo_server.seen[0][1]["X-API-KEY"] == value
    assert run.leaks(value, database=False) == []


@pytest.mark.parametrize(
    ("props", "state", "code"),
    [
        ("", State.FAILED, None),
        ("allowFailed: true\n", State.SUCCESS, 404),
        ("options:\n  allowFailed: true\n", State.SUCCESS, 404),
    ],
    ids=["fails", "allowFailed", "options-allowFailed"],
)
def test_an_error_status(
    run_flow: FlowRunner, echo_server: EchoServer, props: str, state: State, code: int | None
) -> None:
    run = run_flow(request_flow(f"uri: {echo_server.url}/status/404\n" + props))
    assert run.execution.state == state
    if code is None:
        assert run.task("r").error == "Failed http request with response code '404'"
    else:
        assert run.task("r").outputs["code"] == code


@pytest.mark.parametrize(
    ("follow", "code", "path"),
    [("true", 200, "/landed"), ("false", 302, "/redirect")],
    ids=["follow", "stay"],
)
def test_redirects(
    run_flow: FlowRunner, echo_server: EchoServer, follow: str, code: int, path: str
) -> None:
    run = run_flow(
        request_flow(f"uri: {echo_server.url}/redirect\noptions:\n  followRedirects: {follow}\n")
    )
    out = run.task("r").outputs
    assert out["code"] == code
    assert out["uri"] == echo_server.url + path


def test_form_data_url_encoded_and_multipart(run_flow: FlowRunner, echo_server: EchoServer) -> None:
    run_flow(request_flow(f"uri: {echo_server.url}/f\nmethod: POST\nformData:\n  user: John Doe\n"))
    _, headers, body = echo_server.seen[-1]
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert body == "user=John+Doe"
    props = (
        f"uri: {echo_server.url}/f\nmethod: POST\ncontentType: multipart/form-data\n"
        "formData:\n  user: John\n  upload:\n    name: a.txt\n    content: hello\n"
    )
    run_flow(request_flow(props))
    _, headers, body = echo_server.seen[-1]
    assert headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert 'name="user"' in body and "John" in body
    assert 'filename="a.txt"' in body and "hello" in body


def test_a_response_over_max_content_length_fails(
    run_flow: FlowRunner, echo_server: EchoServer
) -> None:
    run = run_flow(
        request_flow(f"uri: {echo_server.url}/large\noptions:\n  maxContentLength: 1000\n")
    )
    assert run.execution.state == State.FAILED
    assert "maxContentLength" in (run.task("r").error or "")


def test_a_read_timeout_fails(run_flow: FlowRunner, echo_server: EchoServer) -> None:
    run = run_flow(request_flow(f"uri: {echo_server.url}/slow\noptions:\n  readTimeout: PT0.2S\n"))
    assert run.execution.state == State.FAILED
    assert "timed out" in (run.task("r").error or "")


def test_a_refused_connection_fails_with_the_url_masked(run_flow: FlowRunner) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    value = fake_secret()
    props = f"uri: \"http://127.0.0.1:{port}/x?key={{{{ secret('API_KEY') }}}}\"\n"
    run = run_flow(request_flow(props), {"API_KEY": value})
    assert run.execution.state == State.FAILED
    assert f"key={TOKEN}" in (run.task("r").error or "")
    assert run.leaks(value) == []


def test_unknown_options_are_validation_errors() -> None:
    from hushflow.errors import FlowValidationError
    from hushflow.models import parse_flow

    with pytest.raises(FlowValidationError, match="connectTimeot"):
        parse_flow(request_flow("uri: http://127.0.0.1/\noptions:\n  connectTimeot: PT1S\n"))


def test_killing_a_waiting_request_ends_the_run_at_once(
    run_flow: FlowRunner, echo_server: EchoServer
) -> None:
    """The server never answers within the read timeout; a kill must not wait for it."""

    def kill_when_received(engine: Engine, execution_id: str) -> None:
        for _ in range(1500):
            if echo_server.seen:
                break
            threading.Event().wait(0.02)
        engine.kill(execution_id)

    run = run_flow(
        request_flow(f"uri: {echo_server.url}/slow\noptions:\n  readTimeout: PT10M\n"),
        during=kill_when_received,
        timeout=60,
    )
    assert echo_server.seen
    assert run.execution.state == State.KILLED
    assert run.task("r").state == State.KILLED


@pytest.mark.parametrize("uri", ["http://[::1", "not a url at all"], ids=["bracket", "words"])
def test_an_invalid_uri_fails_clearly(run_flow: FlowRunner, uri: str) -> None:
    run = run_flow(request_flow(f"uri: '{uri}'\n"))
    assert run.execution.state == State.FAILED
    assert run.task("r").error
    assert "Traceback" not in run.task("r").error


def test_a_bad_duration_in_options_fails_clearly(
    run_flow: FlowRunner, echo_server: EchoServer
) -> None:
    run = run_flow(request_flow(f"uri: {echo_server.url}/x\noptions:\n  readTimeout: 10 seconds\n"))
    assert run.execution.state == State.FAILED
    assert "is not an ISO-8601 duration" in (run.task("r").error or "")
    assert echo_server.seen == []


def test_timeouts_that_are_met_let_the_request_through(
    run_flow: FlowRunner, echo_server: EchoServer
) -> None:
    props = f"uri: {echo_server.url}/x\noptions:\n  connectTimeout: PT5S\n  readTimeout: PT30S\n"
    run = run_flow(request_flow(props))
    assert run.task("r").outputs["code"] == 200
