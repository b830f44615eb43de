"""What the user, service-account, role, binding and sign-in routers share.

The routers need the full :class:`~hushflow.auth.service.AuthService` (not
only the ``Authenticator`` protocol), found on the app's services. Who the
caller is, and the CSRF check of cookie-authenticated unsafe requests, stay
in ``hushflow.api.security.current_principal``.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, Query

from hushflow.api.security import CSRF_HEADER, CurrentPrincipal, ServicesDep
from hushflow.api.services import Services
from hushflow.auth.permissions import Principal
from hushflow.auth.service import AuthService
from hushflow.errors import HushflowError
from hushflow.secrets.audit import AuditEvent

__all__ = ["CSRF_HEADER", "AuthDep", "Caller", "Page", "PageDep", "audit", "auth_service"]
INSTANCE = "*"
T = TypeVar("T")


class NoAuthService(HushflowError):
    """The server runs with another authenticator: users cannot be managed here."""

    status = 404


def auth_service(svc: ServicesDep) -> AuthService:
    """The app's :class:`AuthService` (its authenticator, or ``extras["auth"]``)."""
    for found in (svc.authenticator, svc.extras.get("auth")):
        if isinstance(found, AuthService):
            return found
    raise NoAuthService("this server does not manage users (it uses another authenticator)")


AuthDep = Annotated[AuthService, Depends(auth_service)]


#: The caller of an IAM route (CSRF already checked for cookie-authenticated changes).
Caller = CurrentPrincipal


class Page:
    """``page`` (1-based) and ``size`` query parameters, as Kestra's lists take them."""

    def __init__(
        self,
        page: Annotated[int, Query(ge=1, description="1-based page number")] = 1,
        size: Annotated[int, Query(ge=1, le=1000, description="Results per page")] = 10,
    ) -> None:
        self.page = page
        self.size = size

    def slice(self, items: list[T]) -> list[T]:
        start = (self.page - 1) * self.size
        return items[start : start + self.size]


PageDep = Annotated[Page, Depends(Page)]


def audit(svc: Services, principal: Principal, action: str, key: str, detail: str = "") -> None:
    """Record an administrative change (no-op without the secret manager's audit log)."""
    log = svc.secrets.audit if svc.secrets is not None else None
    if log is None:
        return
    event = AuditEvent(action, INSTANCE, key, actor=principal.name, detail=detail or None)
    log.record(event, now_=True)
