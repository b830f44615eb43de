"""Who is calling: the ``current_principal`` dependency every protected route uses.

Credentials are an API token (``Authorization: Bearer <token>``) or the
session cookie the sign-in route sets; the app's
:class:`~hushflow.auth.authenticator.Authenticator` turns either into a
:class:`~hushflow.auth.permissions.Principal`. Anything else is a 401 in the
one error shape. Permission checks then go through ``authorize()``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from hushflow.api.services import Services, services
from hushflow.auth.permissions import Principal
from hushflow.errors import HushflowError

#: The cookie holding a browser session's id (set by the sign-in route).
SESSION_COOKIE = "hushflow_session"

_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer <token>`")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="A signed-in session")


class Unauthenticated(HushflowError):
    """No valid credentials came with the request."""

    status = 401


def current_principal(
    svc: Annotated[Services, Depends(services)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    """The caller, from a bearer token or a session cookie; 401 otherwise."""
    if bearer is not None:
        found = svc.authenticator.principal_for_token(bearer.credentials)
        if found is None:
            raise Unauthenticated("the API token is not valid (unknown, expired or revoked)")
        return found
    if session:
        found = svc.authenticator.principal_for_session(session)
        if found is None:
            raise Unauthenticated("the session has expired; sign in again")
        return found
    raise Unauthenticated("sign in, or send an API token as 'Authorization: Bearer <token>'")


def client_address(request: Request) -> str | None:
    """The peer address (the trusted-proxy mode reads forwarded headers elsewhere)."""
    return request.client.host if request.client else None


#: Use as a parameter type: ``principal: CurrentPrincipal``.
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
ServicesDep = Annotated[Services, Depends(services)]
