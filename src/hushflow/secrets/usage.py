"""Who may *use* a secret: ``allowedNamespaces`` and ``allowedFlows`` on one key.

Resolution already keeps a flow inside its namespace chain (invariant 4). A
namespace can narrow that further for one key, the least-privilege rule of
secret best practices: a ``DB_PASSWORD`` of ``company`` that only
``company.billing`` and the flow ``company.ops.backup`` may read. The rule
lives with the namespace and key where the secret is defined, so it holds
whatever store (embedded, Vault, plugin) serves the value.

A rule with neither list set does not restrict. Otherwise a reader is allowed
when its namespace is one of ``allowed_namespaces`` or below one of them, or
when its flow (``namespace.flowId``) is in ``allowed_flows``. The lists are
exhaustive: list the secret's own namespace to keep its own flows reading it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select

from hushflow.errors import SecretError
from hushflow.secrets.keys import check_key, check_namespace, fold, within
from hushflow.storage.auth_tables import secret_usage


@dataclass(frozen=True)
class UsageRule:
    """The readers a key allows; ``None`` for a list means "not restricted by this list"."""

    allowed_namespaces: tuple[str, ...] | None = None
    allowed_flows: tuple[str, ...] | None = None

    @property
    def restricts(self) -> bool:
        return self.allowed_namespaces is not None or self.allowed_flows is not None

    def allows(self, namespace: str, flow_id: str | None) -> bool:
        """Whether a flow ``flow_id`` of ``namespace`` may read the key."""
        if not self.restricts:
            return True
        if any(within(namespace, root) for root in self.allowed_namespaces or ()):
            return True
        return flow_id is not None and f"{namespace}.{flow_id}" in (self.allowed_flows or ())


UNRESTRICTED = UsageRule()


def _flow_ref(ref: str) -> str:
    namespace, _, flow_id = ref.rpartition(".")
    if not namespace or not flow_id:
        raise SecretError(f"allowedFlows entry {ref!r} must be 'namespace.flowId'")
    check_namespace(namespace)
    return ref


class SecretUsage:
    """The rules in the database, cached for ``ttl`` seconds per process."""

    def __init__(self, engine: Engine, ttl: float = 5.0) -> None:
        self.engine = engine
        self.ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, UsageRule]] = {}
        self._lock = threading.Lock()

    def rule(self, namespace: str, key: str) -> UsageRule:
        slot = (check_namespace(namespace), fold(check_key(key)))
        cached = self._cache.get(slot)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        t = secret_usage.c
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.allowed_namespaces, t.allowed_flows).where(
                    t.namespace == slot[0], t.key_folded == slot[1]
                )
            ).first()
        found = UNRESTRICTED if row is None else _rule(row.allowed_namespaces, row.allowed_flows)
        with self._lock:
            self._cache[slot] = (time.monotonic() + self.ttl, found)
        return found

    def set_rule(
        self,
        namespace: str,
        key: str,
        allowed_namespaces: Iterable[str] | None,
        allowed_flows: Iterable[str] | None,
        *,
        actor: str,
    ) -> UsageRule:
        """Replace the rule of ``key`` in ``namespace`` (both ``None``: remove it)."""
        from hushflow.models.state import now

        check_namespace(namespace)
        check_key(key)
        rule = UsageRule(
            None if allowed_namespaces is None else _names(allowed_namespaces),
            None if allowed_flows is None else _flows(allowed_flows),
        )
        t = secret_usage
        where = (t.c.namespace == namespace) & (t.c.key_folded == fold(key))
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(where))
            if rule.restricts:
                conn.execute(
                    insert(t).values(
                        namespace=namespace,
                        key_folded=fold(key),
                        allowed_namespaces=_json(rule.allowed_namespaces),
                        allowed_flows=_json(rule.allowed_flows),
                        updated=now(),
                        updated_by=actor,
                    )
                )
        self.clear()
        return rule

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def _names(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({check_namespace(n) for n in names}))


def _flows(refs: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({_flow_ref(r) for r in refs}))


def _json(names: tuple[str, ...] | None) -> list[str] | None:
    return None if names is None else list(names)


def _tuple(value: list[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(str(v) for v in value)


def _rule(namespaces: list[str] | None, flows: list[str] | None) -> UsageRule:
    return UsageRule(_tuple(namespaces), _tuple(flows))
