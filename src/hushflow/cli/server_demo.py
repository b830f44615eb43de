"""``hushflow server demo FLOW``: the server's round trip, non-interactively (``make run``).

Starts ``hushflow server local`` in a throw-away ``HUSHFLOW_HOME`` on a free
loopback port (admin bootstrapped with a generated token), deploys FLOW
through ``POST /flows``, runs it with ``?wait=true``, prints its log lines as
the API serves them (masked), and stops the server with SIGTERM.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import httpx

STARTUP = 60.0


@click.command("demo")
@click.argument("flow", type=click.Path(exists=True, dir_okay=False))
def demo(flow: str) -> None:
    """Start a temporary server, deploy and run FLOW through the API, print its logs, stop."""
    token = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="hushflow-demo-") as home:
        proc, base = _start(Path(home), token)
        try:
            ok = _round_trip(base, token, Path(flow).read_text(encoding="utf-8"))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
    if not ok:
        raise click.exceptions.Exit(1)


def _start(home: Path, token: str) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUSHFLOW_")}
    env.update(HUSHFLOW_HOME=str(home), HUSHFLOW_BOOTSTRAP_ADMIN_TOKEN=token)
    out = home / "server.log"
    command = [sys.executable, "-m", "hushflow", "server", "local", "--host", "127.0.0.1"]
    with out.open("wb") as sink:
        proc = subprocess.Popen([*command, "--port", "0"], stdout=sink, stderr=sink, env=env)
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline and proc.poll() is None:
        found = re.search(r"API on (http://\S+/api/v1/main)", out.read_text(errors="replace"))
        if found:
            click.echo(f"server local listening at {found.group(1)}")
            return proc, found.group(1)
        time.sleep(0.1)
    proc.kill()
    raise click.ClickException(f"the server did not start:\n{out.read_text(errors='replace')}")


def _round_trip(base: str, token: str, source: str) -> bool:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as api:
        created = api.post("/flows", content=source, headers={"Content-Type": "application/x-yaml"})
        if created.status_code != 200:
            raise click.ClickException(f"deploy failed: {created.json()['message']}")
        flow = created.json()
        click.echo(f"POST /flows -> {flow['namespace']}.{flow['id']} revision {flow['revision']}")
        run = api.post(f"/executions/{flow['namespace']}/{flow['id']}", params={"wait": "true"})
        execution = run.json()
        if run.status_code != 200:
            raise click.ClickException(f"run failed: {execution['message']}")
        state = execution["state"]["current"]
        click.echo(f"POST /executions?wait=true -> {execution['id']} {state}")
        for entry in api.get(f"/logs/{execution['id']}").json():
            click.echo(f"  {entry['level']:5} [{entry['taskId']}] {entry['message']}")
        if execution.get("outputs"):
            click.echo(f"outputs: {execution['outputs']}")
    return state in ("SUCCESS", "WARNING")
