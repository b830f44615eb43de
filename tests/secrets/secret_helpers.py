"""Helpers shared by the secret tests (importable as ``secret_helpers``)."""

from __future__ import annotations

import secrets as pysecrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hushflow.secrets.config import VaultConfig
from hushflow.secrets.store import SecretStore

#: Versions kept by the stores under test (small, so retention is cheap to test).
MAX_VERSIONS = 3

Seed = Callable[[dict[str, str]], SecretStore]


def fake_value() -> str:
    """A generated stand-in for a secret (tests never use real ones)."""
    return "fake-" + pysecrets.token_urlsafe(12)


@dataclass(frozen=True)
class Bao:
    url: str
    token: str

    def config(self, **kw: object) -> VaultConfig:
        spec: dict[str, object] = {
            "url": self.url,
            "token": self.token,
            "path_prefix": f"t-{uuid.uuid4().hex[:10]}",
            "max_versions": MAX_VERSIONS,
        }
        spec.update(kw)
        return VaultConfig(**spec)  # type: ignore[arg-type]


def bao_binary() -> str | None:
    beside = Path(sys.executable).parent / "bao"
    return str(beside) if beside.exists() else shutil.which("bao")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"bao server exited with code {proc.returncode}")
        try:
            if httpx.get(f"{url}/v1/sys/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail("bao server did not answer within 30 s")
