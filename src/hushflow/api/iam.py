"""What the user, service-account, role, binding and sign-in routers share.

The routers need the full :class:`~hushflow.auth.service.AuthService` (not
only the ``Authenticator`` protocol), found on the app's services. A request
authenticated by the session cookie must carry the session's CSRF token in
``X-CSRF-Token`` on unsafe methods; a bearer token needs none (a browser
never adds one on its own).
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request

from hushflow.api.security import SESSION_COOKIE, CurrentPrincipal, ServicesDep
from hushflow.api.services import Services
from hushflow.auth.permissions import Principal
from hushflow.auth.service import AuthService
from hushflow.errors import AccessDenied, HushflowError
from hushflow.secrets.audit import AuditEvent

CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
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


def checked_principal(request: Request, principal: CurrentPrincipal, auth: AuthDep) -> Principal:
    """The caller, with the CSRF check for cookie-authenticated unsafe requests."""
    if request.method in UNSAFE and "authorization" not in request.headers:
        session = request.cookies.get(SESSION_COOKIE)
        if session and not auth.check_csrf(session, request.headers.get(CSRF_HEADER)):
            raise AccessDenied(
                f"missing or wrong CSRF token: send the {CSRF_HEADER} header "
                "that signing in (or GET /session) returned"
            )
    return principal


Caller = Annotated[Principal, Depends(checked_principal)]


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
