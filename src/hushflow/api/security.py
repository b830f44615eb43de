"""Who is calling: the ``current_principal`` dependency every protected route uses.

Credentials are an API token (``Authorization: Bearer <token>``) or the
session cookie the sign-in route sets; the app's
:class:`~hushflow.auth.authenticator.Authenticator` turns either into a
:class:`~hushflow.auth.permissions.Principal`. Anything else is a 401 in the
one error shape. Permission checks then go through ``authorize()``.
"""

from __future__ import annotations

from typing import Annotated, Protocol, runtime_checkable

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from hushflow.api.services import Services, services
from hushflow.auth.permissions import Principal
from hushflow.errors import HushflowError

#: The cookie holding a browser session's id (set by the sign-in route).
SESSION_COOKIE = "hushflow_session"

_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer <token>`")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="A signed-in session")


#: The header a browser session sends on unsafe methods (its value from the sign-in answer).
CSRF_HEADER = "X-CSRF-Token"
#: The header a trusted SSO proxy names the user in (only honoured from its addresses).
PROXY_HEADER = "X-Forwarded-User"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Unauthenticated(HushflowError):
    """No valid credentials came with the request."""

    status = 401


class CsrfRefused(HushflowError):
    """A cookie-authenticated change without the session's CSRF token."""

    status = 403


@runtime_checkable
class CsrfChecker(Protocol):
    """An authenticator that can check a session's CSRF token."""

    def check_csrf(self, session_id: str, presented: str | None) -> bool: ...


@runtime_checkable
class ProxyAuthenticator(Protocol):
    """An authenticator that trusts a header set by an SSO proxy at configured addresses."""

    def principal_for_proxy(
        self, header_value: str | None, client_address: str | None
    ) -> Principal | None: ...


def current_principal(
    request: Request,
    svc: Annotated[Services, Depends(services)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    """The caller, from a bearer token, a session cookie or a trusted proxy; 401 otherwise.

    A session (a browser) must also send its CSRF token on unsafe methods; an
    authenticator that cannot check one gets no unsafe cookie request through.
    """
    auth = svc.authenticator
    if bearer is not None:
        found = auth.principal_for_token(bearer.credentials)
        if found is None:
            raise Unauthenticated("the API token is not valid (unknown, expired or revoked)")
        return found
    if session:
        found = auth.principal_for_session(session)
        if found is None:
            raise Unauthenticated("the session has expired; sign in again")
        if request.method not in _SAFE_METHODS:
            presented = request.headers.get(CSRF_HEADER)
            if not isinstance(auth, CsrfChecker) or not auth.check_csrf(session, presented):
                raise CsrfRefused(f"send the session's CSRF token in the {CSRF_HEADER} header")
        return found
    proxied = request.headers.get(PROXY_HEADER)
    if proxied and isinstance(auth, ProxyAuthenticator):
        found = auth.principal_for_proxy(proxied, client_address(request))
        if found is not None:
            return found
    raise Unauthenticated("sign in, or send an API token as 'Authorization: Bearer <token>'")


def client_address(request: Request) -> str | None:
    """The peer address (the trusted-proxy mode reads forwarded headers elsewhere)."""
    return request.client.host if request.client else None


#: Use as a parameter type: ``principal: CurrentPrincipal``.
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
ServicesDep = Annotated[Services, Depends(services)]
