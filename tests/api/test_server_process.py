"""``hushflow server local`` as a real process: the API over loopback, then a graceful stop."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hushflow.api.settings import load_settings
from hushflow.errors import ConfigError
from hushflow.storage.database import open_database
from hushflow.storage.repository import ExecutionRepository

REPO = Path(__file__).resolve().parents[2]
PATIENCE = 90.0

HELLO = """\
id: hello
namespace: demo
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "token {{ secret('GREETING') }}"
"""
SLEEPER = """\
id: sleeper
namespace: demo
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT120S
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "HUSHFLOW_"))}
    return {**base, "HUSHFLOW_HOME": str(tmp_path / "home"), **extra}


def _wait_for_address(proc: subprocess.Popen[bytes], out: Path, err: Path) -> str:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        found = re.search(r"API on (http://\S+/api/v1/main)", out.read_text())
        if found:
            return found.group(1)
        if proc.poll() is not None:
            pytest.fail(f"server exited {proc.returncode}: {err.read_text()}")
        time.sleep(0.1)
    pytest.fail(f"server did not start: {out.read_text()} {err.read_text()}")


def test_server_local_serves_the_api_and_stops_gracefully(tmp_path: Path) -> None:
    token = secrets.token_urlsafe(32)
    planted = secrets.token_hex(16)
    env = _env(tmp_path, HUSHFLOW_BOOTSTRAP_ADMIN_TOKEN=token)
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("wb") as out_f, err.open("wb") as err_f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hushflow", "server", "local", "--host", "127.0.0.1",
             "--port", "0", "--grace", "1"],
            stdout=out_f, stderr=err_f, env=env, cwd=REPO,
        )  # fmt: skip
    try:
        base = _wait_for_address(proc, out, err)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=PATIENCE) as client:
            assert client.get("/health").json()["status"] == "UP"
            put = client.put("/namespaces/demo/secrets", json={"key": "GREETING", "value": planted})
            assert put.status_code == 200, put.text
            yaml = {"Content-Type": "application/x-yaml"}
            assert client.post("/flows", content=HELLO, headers=yaml).status_code == 200
            assert client.post("/flows", content=SLEEPER, headers=yaml).status_code == 200
            done = client.post("/executions/demo/hello", params={"wait": "true"}).json()
            assert done["state"]["current"] == "SUCCESS", done
            logs = client.get(f"/logs/{done['id']}").json()
            assert logs[0]["message"] == "token ****"
            sleeping = client.post("/executions/demo/sleeper").json()
            for _ in range(int(PATIENCE * 10)):
                state = client.get(f"/executions/{sleeping['id']}").json()["state"]["current"]
                if state == "RUNNING":
                    break
                time.sleep(0.1)
            assert client.get("/me", headers={"Authorization": "Bearer nope"}).status_code == 401
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=PATIENCE) == 0, err.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=PATIENCE)
    printed = out.read_text() + err.read_text()
    assert "hushflow server stopped" in printed
    assert planted not in printed and "Traceback" not in printed
    db = open_database(f"sqlite:///{tmp_path / 'home' / 'hushflow.db'}")
    try:
        assert ExecutionRepository(db).get(sleeping["id"]).state.value == "KILLED"
    finally:
        db.dispose()


def test_unknown_setting_stops_start_up(tmp_path: Path) -> None:
    env = _env(tmp_path, HUSHFLOW_SERVER_PROT="9000")
    result = subprocess.run(
        [sys.executable, "-m", "hushflow", "server", "local", "--port", "0"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=PATIENCE,
    )  # fmt: skip
    assert result.returncode == 2
    assert "HUSHFLOW_SERVER_PROT" in result.stderr and "Traceback" not in result.stderr


def test_settings_from_file_env_and_options(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "hushflow.yml").write_text("server:\n  port: 9001\n  workers: 3\n")
    env = {"HUSHFLOW_HOME": str(home), "HUSHFLOW_SERVER_WORKERS": "5"}
    settings = load_settings(env, {"host": "0.0.0.0", "port": None})
    assert (settings.host, settings.port, settings.workers) == ("0.0.0.0", 9001, 5)
    (home / "hushflow.yml").write_text("server:\n  prot: 1\n")
    with pytest.raises(ConfigError, match="'prot'"):
        load_settings(env)
    (home / "hushflow.yml").write_text("servre:\n  port: 1\n")
    with pytest.raises(ConfigError, match="'servre'"):
        load_settings(env)
    (home / "hushflow.yml").write_text("server:\n  port: many\n")
    with pytest.raises(ConfigError, match="port"):
        load_settings(env)
    with pytest.raises(ConfigError, match="HUSHFLOW_DATABSE_URL"):
        load_settings({"HUSHFLOW_HOME": str(tmp_path), "HUSHFLOW_DATABSE_URL": "x"})


def test_server_demo_is_the_make_run_round_trip(tmp_path: Path) -> None:
    import base64

    planted = f"demo-{secrets.token_hex(8)}"
    env = _env(tmp_path, SECRET_GREETING_TOKEN=base64.b64encode(planted.encode()).decode())
    result = subprocess.run(
        [sys.executable, "-m", "hushflow", "server", "demo", "examples/hello.yml"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=PATIENCE * 2,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "[use_token] The token is ****" in result.stdout
    assert "outputs: {'greeting': 'Bearer ****'}" in result.stdout
    assert planted not in result.stdout + result.stderr
    assert not (tmp_path / "home").exists()  # the demo server ran in a throw-away home
