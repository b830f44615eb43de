"""The data a secret store hands out: metadata, versions and values.

Metadata never contains a value. A :class:`SecretValue` holds one, and its
``repr``/``str`` never show it (as Starlette's ``Secret``), so a value that ends
up in a log line, a traceback or a debugger prints as ``**********``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

HIDDEN = "**********"


class SecretValue:
    """A resolved secret: the value plus where it came from. Never prints the value."""

    __slots__ = ("_value", "backend", "key", "namespace", "version")

    def __init__(
        self, value: str, *, backend: str, namespace: str, key: str, version: int | None
    ) -> None:
        self._value = value
        self.backend = backend
        self.namespace = namespace
        self.key = key
        self.version = version

    def reveal(self) -> str:
        """The plain value: call only where it is about to be used or masked."""
        return self._value

    def __repr__(self) -> str:
        return (
            f"SecretValue(backend={self.backend!r}, namespace={self.namespace!r}, "
            f"key={self.key!r}, version={self.version!r}, value={HIDDEN!r})"
        )

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a SecretValue cannot be pickled")


@dataclass(frozen=True)
class RunRef:
    """Which run reads a secret: recorded in the audit log with every resolution."""

    execution_id: str
    task_run_id: str | None
    flow_id: str
    namespace: str


@dataclass(frozen=True)
class VersionInfo:
    """One version of a secret, as Vault KV v2 describes it (never the value)."""

    version: int
    created: datetime | None
    created_by: str | None = None
    deleted: datetime | None = None
    destroyed: bool = False

    @property
    def readable(self) -> bool:
        return self.deleted is None and not self.destroyed


@dataclass(frozen=True)
class SecretMeta:
    """What a listing shows about a secret: everything but the value."""

    namespace: str
    key: str
    backend: str
    current_version: int | None = None
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    created: datetime | None = None
    updated: datetime | None = None
    updated_by: str | None = None
    deleted: bool = False
    #: Who may read the key at run time beyond the namespace chain (``secrets.usage``).
    allowed_namespaces: tuple[str, ...] | None = None
    allowed_flows: tuple[str, ...] | None = None
