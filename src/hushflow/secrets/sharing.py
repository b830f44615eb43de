"""``allowedNamespaces``: which other namespaces may read a namespace's secrets explicitly.

As in Kestra, ``secret('K', namespace='company.shared')`` from a flow outside
``company.shared``'s own chain works only if ``company.shared`` lists the
caller's namespace (exactly, or ``*`` for everyone). Sharing never extends
to the shared namespace's parents.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, delete, insert, select

from hushflow.secrets.keys import check_namespace
from hushflow.storage.secret_tables import secret_namespace_access

EVERYONE = "*"


class NamespaceAccess:
    """The ``allowedNamespaces`` setting of every namespace, in the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def allowed(self, namespace: str) -> list[str]:
        t = secret_namespace_access.c
        query = select(t.allowed_namespace).where(t.namespace == namespace)
        with self.engine.connect() as conn:
            return sorted(conn.execute(query).scalars())

    def set_allowed(self, namespace: str, allowed: Iterable[str]) -> list[str]:
        """Replace the list; returns it sorted."""
        check_namespace(namespace)
        names = sorted({n if n == EVERYONE else check_namespace(n) for n in allowed})
        t = secret_namespace_access
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.namespace == namespace))
            if names:
                conn.execute(
                    insert(t), [{"namespace": namespace, "allowed_namespace": n} for n in names]
                )
        return names

    def shares_with(self, namespace: str, caller: str) -> bool:
        allowed = self.allowed(namespace)
        return EVERYONE in allowed or caller in allowed
