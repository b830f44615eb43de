"""Users, API tokens, roles and namespace-scoped RBAC.

Every permission check goes through :func:`authorize`; roles and bindings are
the data it reads (see :mod:`hushflow.auth.permissions`).
"""

from hushflow.auth.authorize import authorize
from hushflow.auth.permissions import (
    MANAGED_ROLES,
    Action,
    Grant,
    Principal,
    Resource,
    Role,
    covers,
)

__all__ = [
    "MANAGED_ROLES",
    "Action",
    "Grant",
    "Principal",
    "Resource",
    "Role",
    "authorize",
    "covers",
]
