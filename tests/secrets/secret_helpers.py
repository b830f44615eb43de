"""Helpers shared by the secret tests (importable as ``secret_helpers``)."""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import Callable

from hushflow.secrets.store import SecretStore

#: Versions kept by the stores under test (small, so retention is cheap to test).
MAX_VERSIONS = 3

Seed = Callable[[dict[str, str]], SecretStore]


def fake_value() -> str:
    """A generated stand-in for a secret (tests never use real ones)."""
    return "fake-" + pysecrets.token_urlsafe(12)
