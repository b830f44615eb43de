"""The environment backend: ``SECRET_<KEY>`` variables, Kestra's convention.

Values are base64 (line breaks ignored, as Kestra's Docker/Helm setups wrap
them); the key is the rest of the variable name, case-insensitive. A variable
that is not valid base64 of UTF-8 text is skipped with a warning that names the
variable, never its content. The backend is read-only, unversioned and visible
from every namespace.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping, Sequence

from hushflow.errors import SecretError
from hushflow.secrets.keys import KEY_PATTERN, fold
from hushflow.secrets.model import SecretMeta, SecretValue, VersionInfo

PREFIX = "SECRET_"
log = logging.getLogger("hushflow.secrets")


def decode(raw: str) -> str | None:
    """A Kestra env secret value, or ``None`` if it is not base64 of UTF-8 text."""
    compact = raw.replace("\r", "").replace("\n", "")
    try:
        return base64.b64decode(compact, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


class EnvironmentStore:
    """Read-only secrets from ``SECRET_*`` variables of one environment mapping."""

    name = "environment"
    read_only = True

    def __init__(self, env: Mapping[str, str]) -> None:
        self._values: dict[str, tuple[str, str]] = {}
        for var, raw in env.items():
            if not var.startswith(PREFIX):
                continue
            key = var[len(PREFIX) :]
            value = decode(raw)
            if not KEY_PATTERN.match(key) or value is None:
                log.warning("ignoring %s: not a valid base64-encoded secret variable", var)
                continue
            self._values[fold(key)] = (key, value)

    def __repr__(self) -> str:
        return f"EnvironmentStore({len(self._values)} keys)"

    def read(self, namespace: str, key: str, version: int | None = None) -> SecretValue | None:
        found = self._values.get(fold(key))
        if found is None or version not in (None, 1):
            return None
        return SecretValue(
            found[1], backend=self.name, namespace=namespace, key=found[0], version=None
        )

    def read_nearest(self, namespaces: Sequence[str], key: str) -> SecretValue | None:
        return self.read(namespaces[0], key) if namespaces else None

    def describe(self, namespace: str, key: str) -> SecretMeta | None:
        found = self._values.get(fold(key))
        return None if found is None else self._meta(namespace, found[0])

    def list_keys(self, namespace: str) -> list[SecretMeta]:
        return [self._meta(namespace, k) for k, _ in sorted(self._values.values())]

    def versions(self, namespace: str, key: str) -> list[VersionInfo]:
        return [VersionInfo(1, None)] if fold(key) in self._values else []

    def _meta(self, namespace: str, key: str) -> SecretMeta:
        return SecretMeta(namespace=namespace, key=key, backend=self.name)

    def write(self, namespace: str, key: str, value: str, **_: object) -> int:
        raise SecretError("the environment secret backend is read-only")

    def delete(
        self, namespace: str, key: str, versions: Sequence[int] | None = None, **_: object
    ) -> list[int]:
        raise SecretError("the environment secret backend is read-only")

    undelete = delete
    destroy = delete
