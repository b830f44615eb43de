"""Vault / OpenBao KV v2 as a secret store (through ``hvac``).

A namespace maps to a folder under ``path_prefix`` in the KV v2 ``mount``:
``company.payments`` + ``API_KEY`` is ``<mount>/data/<prefix>/company/payments/API_KEY``.
hushflow writes ``{"value": ...}``; a secret written by other tools with other
fields reads as its compact JSON, so ``subkey`` picks a field. Description,
tags and the last writer live in the secret's ``custom_metadata``, written
right after the value (KV v2 has no call that writes both at once). Vault paths
are case-sensitive, so a lookup that misses retries on a case-insensitive
match from the folder listing. Read-only mounts refuse writes and can show
only keys starting with ``key_prefix``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import hvac
import hvac.exceptions
import requests

from hushflow.errors import SecretError, SecretNotFound
from hushflow.secrets.config import VaultConfig
from hushflow.secrets.keys import check_key, check_namespace, fold
from hushflow.secrets.model import SecretMeta, SecretValue, VersionInfo
from hushflow.secrets.subkey import as_text

TAG = "tag:"
FRACTION = re.compile(r"(\.\d{1,6})\d*")
LISTING_TTL = 5.0


def parse_time(text: str | None) -> datetime | None:
    """Vault's RFC 3339 times (nanoseconds, ``Z``) as aware datetimes; ``""`` is None."""
    if not text:
        return None
    return datetime.fromisoformat(FRACTION.sub(r"\1", text).replace("Z", "+00:00"))


def as_value(data: Mapping[str, Any]) -> str:
    """``{"value": v}`` is ``v``; any other secret is its compact JSON."""
    if set(data) == {"value"}:
        return as_text(data["value"])
    return as_text(dict(data))


class VaultStore:
    """Secrets in one KV v2 mount of a Vault or OpenBao server."""

    read_only: bool

    def __init__(self, client: Any, cfg: VaultConfig) -> None:
        self.client = client
        self.cfg = cfg
        self.read_only = cfg.read_only
        self.name = f"vault:{cfg.mount}/{cfg.path_prefix}".rstrip("/")
        self.kv = client.secrets.kv.v2
        self._listings: dict[str, tuple[float, dict[str, str]]] = {}

    @classmethod
    def from_config(cls, cfg: VaultConfig) -> VaultStore:
        client = hvac.Client(url=cfg.url, token=cfg.token, timeout=cfg.timeout)
        store = cls(client, cfg)
        if cfg.role_id:
            store.login()
        return store

    def login(self) -> None:
        """AppRole login (also used to renew an expired AppRole token)."""
        with self._errors():
            self.client.auth.approle.login(role_id=self.cfg.role_id, secret_id=self.cfg.secret_id)

    def __repr__(self) -> str:
        return f"VaultStore(url={self.cfg.url!r}, mount={self.cfg.mount!r})"

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except hvac.exceptions.Forbidden:
            raise SecretError(f"{self.name}: permission denied by {self.cfg.url}") from None
        except hvac.exceptions.VaultError as exc:
            raise SecretError(f"{self.name}: {type(exc).__name__} from {self.cfg.url}") from None
        except requests.RequestException as exc:
            raise SecretError(
                f"{self.name}: cannot reach {self.cfg.url} ({type(exc).__name__})"
            ) from None

    def _call(self, method: str, **kwargs: Any) -> Any:
        """One KV v2 call; a missing path (404) is ``None``, other failures SecretError.

        With AppRole, a refused call logs in again once (the token may have expired).
        """
        with self._errors():
            try:
                return getattr(self.kv, method)(mount_point=self.cfg.mount, **kwargs)
            except hvac.exceptions.InvalidPath:
                return None
            except hvac.exceptions.Forbidden:
                if not self.cfg.role_id:
                    raise
            self.login()
            try:
                return getattr(self.kv, method)(mount_point=self.cfg.mount, **kwargs)
            except hvac.exceptions.InvalidPath:
                return None

    # paths

    def folder(self, namespace: str) -> str:
        parts = [self.cfg.path_prefix, *check_namespace(namespace).split(".")]
        return "/".join(p for p in parts if p)

    def _visible(self, key: str) -> bool:
        return fold(key).startswith(fold(self.cfg.key_prefix))

    def _names(self, namespace: str) -> list[str]:
        resp = self._call("list_secrets", path=self.folder(namespace))
        if resp is None:
            return []
        names = [k for k in resp["data"]["keys"] if not k.endswith("/")]
        return [k for k in names if self._visible(k)]

    def _actual(self, namespace: str, key: str) -> str | None:
        """The stored spelling of ``key`` in ``namespace`` (case-insensitive), if any.

        Only asked after an exact-case miss; folder listings are kept for
        ``LISTING_TTL`` seconds (and dropped on our own writes) because a
        listing of a large folder costs far more than a read.
        """
        folder = self.folder(namespace)
        cached = self._listings.get(folder)
        if cached is None or cached[0] <= time.monotonic():
            names = {fold(n): n for n in self._names(namespace)}
            cached = (time.monotonic() + LISTING_TTL, names)
            self._listings[folder] = cached
        return cached[1].get(fold(key))

    def _forget_listing(self, namespace: str) -> None:
        self._listings.pop(self.folder(namespace), None)

    def _path(self, namespace: str, key: str) -> str:
        return f"{self.folder(namespace)}/{key}"

    # reads

    def read(self, namespace: str, key: str, version: int | None = None) -> SecretValue | None:
        if not self._visible(key):
            return None
        found = self._read(namespace, key, version)
        if found is None:
            actual = self._actual(namespace, key)
            if actual is not None and actual != key:
                found = self._read(namespace, actual, version)
        return found

    def read_nearest(self, namespaces: Sequence[str], key: str) -> SecretValue | None:
        for namespace in namespaces:
            found = self.read(namespace, key)
            if found is not None:
                return found
        return None

    def _read(self, namespace: str, key: str, version: int | None) -> SecretValue | None:
        resp = self._call(
            "read_secret_version",
            path=self._path(namespace, key),
            version=version,
            raise_on_deleted_version=True,
        )
        data = None if resp is None else resp["data"]
        if data is None or data.get("data") is None:
            return None
        return SecretValue(
            as_value(data["data"]),
            backend=self.name,
            namespace=namespace,
            key=key,
            version=int(data["metadata"]["version"]),
        )

    def _metadata(self, namespace: str, key: str) -> tuple[str, dict[str, Any]] | None:
        """``(stored spelling, metadata)`` of a key, or ``None``."""
        resp = self._call("read_secret_metadata", path=self._path(namespace, key))
        if resp is None:
            actual = self._actual(namespace, key)
            if actual is None or actual == key:
                return None
            key, resp = (
                actual,
                self._call("read_secret_metadata", path=self._path(namespace, actual)),
            )
        return None if resp is None else (key, resp["data"])

    def describe(self, namespace: str, key: str) -> SecretMeta | None:
        if not self._visible(key):
            return None
        found = self._metadata(namespace, key)
        return None if found is None else self._meta(namespace, *found)

    def _meta(self, namespace: str, key: str, meta: Mapping[str, Any]) -> SecretMeta:
        custom = meta.get("custom_metadata") or {}
        current = int(meta.get("current_version") or 0)
        info = (meta.get("versions") or {}).get(str(current), {})
        gone = bool(info.get("deletion_time")) or bool(info.get("destroyed")) or not info
        return SecretMeta(
            namespace=namespace,
            key=key,
            backend=self.name,
            current_version=current or None,
            description=custom.get("description") or None,
            tags={k[len(TAG) :]: v for k, v in custom.items() if k.startswith(TAG)},
            created=parse_time(meta.get("created_time")),
            updated=parse_time(meta.get("updated_time")),
            updated_by=custom.get("updated_by"),
            deleted=gone,
        )

    def list_keys(self, namespace: str) -> list[SecretMeta]:
        metas = [self.describe(namespace, k) for k in self._names(namespace)]
        return sorted((m for m in metas if m is not None), key=lambda m: fold(m.key))

    def versions(self, namespace: str, key: str) -> list[VersionInfo]:
        found = self._metadata(namespace, key) if self._visible(key) else None
        if found is None:
            return []
        out = []
        for number, info in (found[1].get("versions") or {}).items():
            out.append(
                VersionInfo(
                    int(number),
                    parse_time(info.get("created_time")),
                    None,
                    parse_time(info.get("deletion_time")),
                    bool(info.get("destroyed")),
                )
            )
        return sorted(out, key=lambda v: v.version)

    # writes

    def _writable(self, namespace: str, key: str) -> None:
        if self.read_only:
            raise SecretError(f"the secret store {self.name} is read-only")
        check_namespace(namespace)
        check_key(key)

    def write(
        self,
        namespace: str,
        key: str,
        value: str,
        *,
        actor: str,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        cas: int | None = None,
    ) -> int:
        self._writable(namespace, key)
        found = self._metadata(namespace, key)
        actual, meta = found if found is not None else (key, {})
        current = int(meta.get("current_version") or 0)
        if cas is not None and cas != current:
            raise SecretError(
                f"check-and-set failed for secret '{key}': current version is {current}, "
                f"expected {cas}"
            )
        path = self._path(namespace, actual)
        self._forget_listing(namespace)
        with self._errors():
            try:
                resp = self.kv.create_or_update_secret(
                    path=path, secret={"value": value}, cas=cas, mount_point=self.cfg.mount
                )
            except hvac.exceptions.InvalidRequest as exc:
                if "check-and-set" not in str(exc):
                    raise
                raise SecretError(
                    f"check-and-set failed for secret '{key}': it changed since version {cas}"
                ) from None
            custom = self._custom(meta.get("custom_metadata") or {}, actor, description, tags)
            self.kv.update_metadata(
                path=path,
                max_versions=self.cfg.max_versions,
                custom_metadata=custom,
                mount_point=self.cfg.mount,
            )
        return int(resp["data"]["version"])

    @staticmethod
    def _custom(
        old: Mapping[str, str],
        actor: str,
        description: str | None,
        tags: Mapping[str, str] | None,
    ) -> dict[str, str]:
        custom = dict(old)
        if description is not None:
            custom["description"] = description
        if tags is not None:
            custom = {k: v for k, v in custom.items() if not k.startswith(TAG)}
            custom.update({TAG + k: str(v) for k, v in tags.items()})
        custom["updated_by"] = actor
        return custom

    def _targets(
        self, namespace: str, key: str, versions: Sequence[int] | None
    ) -> tuple[str, list[int]]:
        self._writable(namespace, key)
        found = self._metadata(namespace, key)
        if found is None:
            raise SecretNotFound(f"Cannot find secret for key '{key}'.")
        actual, meta = found
        kept = {int(n): info for n, info in (meta.get("versions") or {}).items()}
        wanted = [int(meta["current_version"])] if versions is None else sorted(set(versions))
        return actual, [n for n in wanted if n in kept and not kept[n].get("destroyed")]

    def delete(
        self, namespace: str, key: str, versions: Sequence[int] | None = None, *, actor: str
    ) -> list[int]:
        actual, targets = self._targets(namespace, key, versions)
        if targets:
            with self._errors():
                self.kv.delete_secret_versions(
                    path=self._path(namespace, actual), versions=targets, mount_point=self.cfg.mount
                )
        return targets

    def undelete(
        self, namespace: str, key: str, versions: Sequence[int] | None = None, *, actor: str
    ) -> list[int]:
        actual, targets = self._targets(namespace, key, versions)
        if targets:
            with self._errors():
                self.kv.undelete_secret_versions(
                    path=self._path(namespace, actual), versions=targets, mount_point=self.cfg.mount
                )
        return targets

    def destroy(
        self, namespace: str, key: str, versions: Sequence[int] | None = None, *, actor: str
    ) -> list[int]:
        if versions is not None:
            actual, targets = self._targets(namespace, key, versions)
            if targets:
                with self._errors():
                    self.kv.destroy_secret_versions(
                        path=self._path(namespace, actual),
                        versions=targets,
                        mount_point=self.cfg.mount,
                    )
            return targets
        self._writable(namespace, key)
        found = self._metadata(namespace, key)
        if found is None:
            raise SecretNotFound(f"Cannot find secret for key '{key}'.")
        self._forget_listing(namespace)
        with self._errors():
            self.kv.delete_metadata_and_all_versions(
                path=self._path(namespace, found[0]), mount_point=self.cfg.mount
            )
        return sorted(int(n) for n in found[1].get("versions") or {})
