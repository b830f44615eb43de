"""Running flows end to end for the task tests: a real engine on a real SQLite file.

``run_flow`` submits a flow with environment secrets, waits for it and hands
back what came out of it; ``Run.leaks`` searches every place a secret could
end up (log lines, the stored execution, the raw bytes of the database file
and its WAL, the output files in storage) for a planted value.
"""

from __future__ import annotations

import base64
import json
import os
import textwrap
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from hushflow.engine.runner import Engine
from hushflow.models import parse_flow
from hushflow.secrets import SecretManager
from hushflow.storage.database import open_database
from tests.tasks.task_helpers import FlowRunner, Run


@pytest.fixture
def run_flow(sqlite_url: str) -> FlowRunner:
    """Run a flow (YAML text) with ``secrets`` set as ``SECRET_*`` variables."""
    home = Path(os.environ["HUSHFLOW_HOME"])
    db_file = Path(sqlite_url.removeprefix("sqlite:///"))

    def run(
        text: str,
        secrets_: dict[str, str] | None = None,
        *,
        inputs: dict[str, Any] | None = None,
        during: Callable[[Engine, str], None] | None = None,
        timeout: float = 60,
    ) -> Run:
        env = {"HUSHFLOW_HOME": str(home)}
        for key, value in (secrets_ or {}).items():
            env[f"SECRET_{key}"] = base64.b64encode(value.encode()).decode()
        db = open_database(sqlite_url)
        eng = Engine(db, secrets=SecretManager.from_env(db, env))
        try:
            ex = eng.submit(parse_flow(textwrap.dedent(text)), inputs)
            if during is not None:
                during(eng, ex.id)
            done = eng.wait(ex.id, timeout=timeout)
            logs = eng.logs.for_execution(done.id)
        finally:
            eng.close()
            db.dispose()
        return Run(done, logs, db_file, home)

    return run


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with what it received: headers and body, as JSON.

    It also keeps what it received (``server.seen``), so a test can check
    the request itself while the task's outputs are masked.
    """

    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        self.server.seen.append((self.path, dict(self.headers.items()), body))  # type: ignore[attr-defined]
        status = int(self.path.split("/status/")[1][:3]) if "/status/" in self.path else 200
        if self.path.startswith("/redirect"):
            self._send(302, b"", {"Location": "/landed"})
            return
        if self.path.startswith("/large"):
            self._send(200, b"x" * 4096, {"Content-Type": "text/plain"})
            return
        if self.path.startswith("/slow"):
            self.server.release.wait(120)  # type: ignore[attr-defined]
        payload = {
            "method": self.command,
            "path": self.path,
            "headers": dict(self.headers.items()),
            "body": body,
        }
        echo = {"X-Echo-Authorization": self.headers.get("Authorization", "")}
        data = json.dumps(payload).encode()
        self._send(status, data, {"Content-Type": "application/json", **echo})

    def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@dataclass
class EchoServer:
    """The running echo server: its base URL and the requests it received."""

    url: str
    seen: list[tuple[str, dict[str, str], str]]


@pytest.fixture
def echo_server() -> Iterator[EchoServer]:
    """A real HTTP server on 127.0.0.1 (a free port) that echoes requests."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.release = threading.Event()  # type: ignore[attr-defined]
    server.seen = []  # type: ignore[attr-defined]
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield EchoServer(f"http://127.0.0.1:{server.server_address[1]}", server.seen)  # type: ignore[attr-defined]
    server.release.set()  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()
    thread.join(5)
