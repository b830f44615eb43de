"""``--server URL``: the CLI against a real ``hushflow server local`` process over loopback.

One server per module (starting one takes seconds); each command runs as its
own ``python -m hushflow`` process with ``HUSHFLOW_TOKEN`` in its environment,
and never touches the server's database directly.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
PATIENCE = 90.0

HELLO = """\
id: hello
namespace: remote.team
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "hello from remote"
"""
SLEEPER = """\
id: sleeper
namespace: remote.team
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT120S
"""
BAD = """\
id: broken
namespace: remote.team
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "hi"
    nonsense: [1
"""


@dataclass
class Server:
    base: str  # the server's address, as a user passes it to --server
    api: str  # ... and its API's base
    token: str
    home: Path
    work: Path

    def env(self, token: str | None = None, **extra: str) -> dict[str, str]:
        """A command's environment: no local database of the server's, the token given."""
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "HUSHFLOW_"))}
        env = {**base, "HUSHFLOW_HOME": str(self.work / "client-home"), **extra}
        env["HUSHFLOW_TOKEN"] = self.token if token is None else token
        return env

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.api, headers={"Authorization": f"Bearer {self.token}"}, timeout=PATIENCE
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_address(proc: subprocess.Popen[bytes], out: Path, err: Path) -> str:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        found = re.search(r"API on (http://\S+)/api/v1/main", out.read_text())
        if found:
            return found.group(1)
        if proc.poll() is not None:
            pytest.fail(f"server exited {proc.returncode}: {err.read_text()}")
        time.sleep(0.1)
    pytest.fail(f"server did not start: {out.read_text()} {err.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("remote")
    home = work / "server-home"
    token = secrets.token_urlsafe(32)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "HUSHFLOW_"))}
    env = {**base_env, "HUSHFLOW_HOME": str(home), "HUSHFLOW_BOOTSTRAP_ADMIN_TOKEN": token}
    out, err = work / "out.txt", work / "err.txt"
    with out.open("wb") as out_f, err.open("wb") as err_f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hushflow", "server", "local", "--host", "127.0.0.1",
             "--port", str(_free_port()), "--grace", "1"],
            stdout=out_f, stderr=err_f, env=env, cwd=REPO,
        )  # fmt: skip
    try:
        base = _wait_for_address(proc, out, err)
        yield Server(base, base + "/api/v1/main", token, home, work)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=PATIENCE) == 0, err.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=PATIENCE)
    assert "Traceback" not in out.read_text() + err.read_text()


def hushflow(
    server: Server, *args: str, token: str | None = None, stdin: str | None = None,
    url: str | None = None,
) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """One CLI command as its own process, against ``url`` (default: the test server)."""
    return subprocess.run(
        [sys.executable, "-m", "hushflow", *args, "--server", url or server.base],
        env=server.env(token), cwd=server.work, input=stdin, capture_output=True, text=True,
        timeout=PATIENCE,
    )  # fmt: skip


def _flow_file(server: Server, name: str, text: str) -> Path:
    path = server.work / f"{name}.yml"
    path.write_text(text, encoding="utf-8")
    return path


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr


def test_deploy_then_list_show_and_logs(server: Server) -> None:
    path = _flow_file(server, "hello", HELLO)
    first = hushflow(server, "flow", "deploy", str(path))
    assert first.returncode == 0, first.stderr
    assert re.match(r"created\s+remote\.team\.hello revision 1$", first.stdout.strip())
    again = hushflow(server, "flow", "deploy", str(path))
    assert re.match(r"unchanged\s+remote\.team\.hello revision 1$", again.stdout.strip())
    path.write_text(HELLO.replace("hello from remote", "hello again"), encoding="utf-8")
    changed = hushflow(server, "flow", "deploy", str(path))
    assert re.match(r"updated\s+remote\.team\.hello revision 2$", changed.stdout.strip())

    with server.client() as client:
        done = client.post("/executions/remote.team/hello", params={"wait": "true"}).json()
    assert done["state"]["current"] == "SUCCESS", done
    ex_id = done["id"]

    listed = hushflow(server, "execution", "list", "--namespace", "remote.team")
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if x.startswith(ex_id))
    assert re.match(
        rf"{ex_id}  \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d  SUCCESS   remote\.team\.hello$", line
    )
    as_json = json.loads(hushflow(server, "execution", "list", "-o", "json").stdout)
    found = next(d for d in as_json if d["id"] == ex_id)
    assert (found["state"], found["flowId"], found["flowRevision"]) == ("SUCCESS", "hello", 2)

    shown = hushflow(server, "execution", "show", ex_id)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == f"{ex_id}  remote.team.hello rev 2  SUCCESS"
    assert re.match(r"\s+SUCCESS\s+say  attempts=1$", shown.stdout.splitlines()[1])
    doc = json.loads(hushflow(server, "execution", "show", ex_id, "-o", "json").stdout)
    assert doc["taskRuns"][0]["taskId"] == "say" and doc["state"] == "SUCCESS"
    assert doc["ended"] is not None and doc["created"].endswith("+00:00")

    logged = hushflow(server, "execution", "logs", ex_id)
    assert logged.returncode == 0, logged.stderr
    assert re.search(r"^\d\d:\d\d:\d\d\.\d{3} INFO  \[say\] hello again$", logged.stdout, re.M)
    errors_only = hushflow(server, "execution", "logs", ex_id, "--level", "ERROR")
    assert errors_only.returncode == 0 and errors_only.stdout == ""


def test_unknown_execution_is_a_clear_error(server: Server) -> None:
    result = hushflow(server, "execution", "show", "no-such-execution")
    assert result.returncode == 2
    assert result.stderr.startswith("Error:") and "not found" in result.stderr
    _no_traceback(result)


def test_kill_a_running_execution_then_kill_again(server: Server) -> None:
    path = _flow_file(server, "sleeper", SLEEPER)
    assert hushflow(server, "flow", "deploy", str(path)).returncode == 0
    with server.client() as client:
        ex_id = client.post("/executions/remote.team/sleeper").json()["id"]
        for _ in range(int(PATIENCE * 10)):
            if client.get(f"/executions/{ex_id}").json()["state"]["current"] == "RUNNING":
                break
            time.sleep(0.1)
    killed = hushflow(server, "execution", "kill", ex_id, "--wait", "30")
    assert killed.returncode == 0, killed.stderr
    assert killed.stdout.strip() == f"{ex_id}: KILLED"
    again = hushflow(server, "execution", "kill", ex_id)
    assert again.returncode == 2 and "has ended (KILLED)" in again.stderr
    _no_traceback(again)


def test_secret_set_list_delete_never_shows_the_value(server: Server) -> None:
    value = secrets.token_hex(24)
    key = "REMOTE_" + secrets.token_hex(4).upper()
    results = []
    stored = hushflow(
        server, "secret", "set", "remote.team", key, "--description", "for the test",
        "--tag", "team=remote", stdin=value + "\n",
    )  # fmt: skip
    results.append(stored)
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout.strip() == "1"
    from_file = server.work / "value.txt"
    from_file.write_text(value + "-2", encoding="utf-8")
    second = hushflow(server, "secret", "set", "remote.team", key, "--from-file", str(from_file))
    results.append(second)
    assert second.stdout.strip() == "2", second.stderr
    from_file.unlink()

    table = hushflow(server, "secret", "list", "remote.team")
    results.append(table)
    row = next(x for x in table.stdout.splitlines() if x.startswith(key))
    assert row.split()[:2] == [key, "2"] and "team=remote" in row
    as_json = hushflow(server, "secret", "list", "remote.team", "-o", "json")
    results.append(as_json)
    doc = next(d for d in json.loads(as_json.stdout) if d["key"] == key)
    assert doc["version"] == 2 and doc["tags"] == {"team": "remote"}
    inherited = hushflow(server, "secret", "list", "remote.team.sub", "--inherited")
    results.append(inherited)
    assert any(x.startswith(key) and "remote.team" in x for x in inherited.stdout.splitlines())

    deleted = hushflow(server, "secret", "delete", "remote.team", key)
    results.append(deleted)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.strip() == f"deleted {key}: version(s) 1, 2"
    after = hushflow(server, "secret", "list", "remote.team")
    results.append(after)
    assert key not in after.stdout
    missing = hushflow(server, "secret", "delete", "remote.team", key)
    results.append(missing)
    assert missing.returncode == 1 and "not found" in missing.stderr

    for result in results:
        _no_traceback(result)
        printed = result.stdout + result.stderr
        assert value not in printed and value[:16] not in printed


def test_secret_set_refuses_cas_with_server_before_reading_a_value(server: Server) -> None:
    value = secrets.token_hex(16)
    result = hushflow(server, "secret", "set", "remote.team", "K", "--cas", "0", stdin=value)
    assert result.returncode == 2 and "--cas" in result.stderr
    assert value not in result.stdout + result.stderr


def test_validate_good_and_bad_flows(server: Server) -> None:
    good = _flow_file(server, "good", HELLO)
    ok = hushflow(server, "flow", "validate", str(good))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[0] == f"{good}: ok (remote.team.hello, 1 tasks)"
    bad = _flow_file(server, "bad", BAD)
    result = hushflow(server, "flow", "validate", str(bad))
    assert result.returncode == 2
    assert re.search(rf"^{re.escape(str(bad))}:\d+:\d+: ", result.stderr, re.M), result.stderr
    _no_traceback(result)


def test_a_wrong_token_is_a_clear_error(server: Server) -> None:
    result = hushflow(server, "execution", "list", token=secrets.token_urlsafe(32))
    assert result.returncode == 2
    assert result.stderr.startswith("Error:") and "HUSHFLOW_TOKEN" in result.stderr
    _no_traceback(result)


def test_no_token_is_a_clear_error(server: Server) -> None:
    result = hushflow(server, "execution", "list", token="")
    assert result.returncode == 2 and "HUSHFLOW_TOKEN" in result.stderr
    _no_traceback(result)


def test_an_unreachable_server_is_one_clear_line(server: Server) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    result = hushflow(server, "execution", "list", url=url)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: cannot reach hushflow server at {url}: ")
    assert len(result.stderr.strip().splitlines()) == 1
    _no_traceback(result)


def test_a_viewer_is_refused_secret_set(server: Server) -> None:
    local = {k: v for k, v in server.env().items() if k != "HUSHFLOW_TOKEN"}
    local["HUSHFLOW_HOME"] = str(server.home)

    def admin(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "hushflow", *args], env=local, cwd=server.work,
            capture_output=True, text=True, timeout=PATIENCE,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    name = "viewer" + secrets.token_hex(3)
    admin("user", "create", name)
    admin("binding", "create", "--user", name, "--role", "viewer", "--namespace", "remote")
    viewer_token = admin("token", "create", "--user", name, "--name", "cli-test")

    value = secrets.token_hex(24)
    refused = hushflow(
        server, "secret", "set", "remote.team", "VIEWER_KEY", token=viewer_token, stdin=value
    )
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stderr.startswith(f"Error: '{name}' may not CREATE SECRET")
    assert value not in refused.stdout + refused.stderr
    _no_traceback(refused)
    listed = hushflow(server, "execution", "list", token=viewer_token)
    assert listed.returncode == 0, listed.stderr
    flow = _flow_file(server, "viewer-flow", HELLO.replace("id: hello", "id: viewer_flow"))
    deploy = hushflow(server, "flow", "deploy", str(flow), token=viewer_token)
    assert deploy.returncode == 2 and f"'{name}' may not CREATE FLOW" in deploy.stderr
    _no_traceback(deploy)


def test_the_server_can_come_from_hushflow_server(server: Server) -> None:
    env = server.env(HUSHFLOW_SERVER=server.base)
    result = subprocess.run(
        [sys.executable, "-m", "hushflow", "execution", "list", "-o", "json"],
        env=env, cwd=server.work, capture_output=True, text=True, timeout=PATIENCE,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout), list)
    assert not (server.work / "client-home" / "hushflow.db").exists()


def test_without_server_the_client_is_never_imported(tmp_path: Path) -> None:
    flow = tmp_path / "hello.yml"
    flow.write_text(HELLO, encoding="utf-8")
    probe = (
        "import sys\n"
        "from hushflow.cli.main import main\n"
        "try:\n"
        f"    main(['flow', 'validate', {str(flow)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LOADED', 'hushflow.cli.remote' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "HUSHFLOW_"))}
    env["HUSHFLOW_HOME"] = str(tmp_path / "home")
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=PATIENCE
    )
    assert "ok (remote.team.hello" in out.stdout, out.stderr
    assert out.stdout.strip().endswith("LOADED False")
