"""The one interface every secret backend implements, and the conformance suite tests.

A store maps ``(namespace, key)`` to a versioned value, Vault KV v2 style.
Keys are case-insensitive for lookup and case-preserving for display. Stores
do no inheritance: the :class:`~hushflow.secrets.manager.SecretManager` walks
the namespace chain and stacks stores. Read-only stores raise
:class:`~hushflow.errors.SecretError` from every write.

Example::

    store.write("company.team", "DB_PASSWORD", "s3cr3t", actor="alice")  # -> 1
    store.read("company.team", "db_password").reveal()                     # -> "s3cr3t"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from hushflow.secrets.model import SecretMeta, SecretValue, VersionInfo


@runtime_checkable
class SecretStore(Protocol):
    """A secret backend: embedded database, environment, Vault/OpenBao KV v2."""

    #: Shown in listings and the audit log, e.g. ``embedded`` or ``openbao:secret``.
    name: str
    read_only: bool

    def read(self, namespace: str, key: str, version: int | None = None) -> SecretValue | None:
        """The value of ``version`` (default: current); ``None`` if absent, deleted or destroyed."""
        ...

    def read_nearest(self, namespaces: Sequence[str], key: str) -> SecretValue | None:
        """The current value of ``key`` in the first of ``namespaces`` that has a readable one.

        The manager calls this with a namespace chain, nearest first; a store
        may answer in one round trip instead of one per namespace.
        """
        ...

    def describe(self, namespace: str, key: str) -> SecretMeta | None:
        """Metadata of one key in exactly ``namespace``, or ``None``."""
        ...

    def list_keys(self, namespace: str) -> list[SecretMeta]:
        """Every key stored in exactly ``namespace`` (deleted ones flagged), sorted by key."""
        ...

    def versions(self, namespace: str, key: str) -> list[VersionInfo]:
        """The kept versions of a key, oldest first; empty if the key is absent."""
        ...

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
        """Store a new version and return its number.

        ``cas=0`` writes only if the key does not exist, ``cas=N`` only if the
        current version is ``N``; otherwise :class:`SecretError`. ``description``
        and ``tags`` replace the stored ones when given.
        """
        ...

    def delete(
        self, namespace: str, key: str, versions: Sequence[int] | None = None, *, actor: str
    ) -> list[int]:
        """Soft-delete ``versions`` (default: the current one); recoverable with undelete."""
        ...

    def undelete(
        self, namespace: str, key: str, versions: Sequence[int] | None = None, *, actor: str
    ) -> list[int]:
        """Restore soft-deleted ``versions`` (default: the current one)."""
        ...

    def destroy(
        self, namespace: str, key: str, versions: Sequence[int] | None = None, *, actor: str
    ) -> list[int]:
        """Erase ``versions`` for good; with ``None``, erase every version and the key itself."""
        ...
