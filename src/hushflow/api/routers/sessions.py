"""Signing in and out of browser sessions, and the first-start setup.

``POST /login`` checks a username and password and sets the session cookie
(HttpOnly, SameSite=Lax, Secure over HTTPS); its answer carries the
session's CSRF token, which every unsafe request authenticated by that cookie
must send back in ``X-CSRF-Token``. The session lives on the server, so
``POST /logout`` (or disabling the user) ends it at once.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hushflow.api.iam import CSRF_HEADER, AuthDep, Caller, auth_service
from hushflow.api.iam_shapes import user_json
from hushflow.api.openapi import errors
from hushflow.api.security import SESSION_COOKIE, CurrentPrincipal, ServicesDep
from hushflow.auth.records import IssuedSession
from hushflow.auth.service import AuthService
from hushflow.errors import InputError

#: Every route answers 404 where the server has no AuthService (another authenticator).
router = APIRouter(tags=["Auth"], responses=errors(401, 404))
Json = dict[str, Any]
_LOGIN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            media: {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "username": {"type": "string"},
                        "password": {"type": "string", "writeOnly": True},
                    },
                }
            }
            for media in ("application/json", "application/x-www-form-urlencoded")
        },
    }
}


class Credentials(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: str = Field(min_length=1, max_length=255)
    password: str = Field(min_length=1, max_length=1024)


class SignedIn(BaseModel):
    csrfToken: str
    expires: str | None = None
    user: Json


class SetupRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    setup_token: str = Field(alias="setupToken", json_schema_extra={"writeOnly": True})
    password: str = Field(json_schema_extra={"writeOnly": True})


async def _credentials(request: Request) -> Credentials:
    """The body as JSON or as a form; never echoed back in an error."""
    try:
        if request.headers.get("content-type", "").startswith("application/json"):
            raw = await request.json()
        else:
            raw = dict(await request.form())
        return Credentials.model_validate(raw)
    except (ValueError, ValidationError):
        raise InputError("send 'username' and 'password' (JSON or a form)") from None


def _set_cookie(
    request: Request, response: Response, session: IssuedSession, auth: AuthService
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session.session_id,
        max_age=int(auth.sessions.max_age.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


@router.post(
    "/login", response_model=SignedIn, openapi_extra=_LOGIN_BODY, responses=errors(400, 401, 422)
)
async def login(request: Request, svc: ServicesDep) -> JSONResponse:
    """Sign in with a username and password: sets the session cookie, returns its CSRF token."""
    auth = auth_service(svc)
    creds = await _credentials(request)
    session = auth.sign_in(creds.username, creds.password)
    user = auth.directory.user(session.user_id)
    body = SignedIn(
        csrfToken=session.csrf_token, expires=session.expires.isoformat(), user=user_json(user)
    )
    response = JSONResponse(body.model_dump())
    _set_cookie(request, response, session, auth)
    return response


@router.post("/logout", status_code=204, responses=errors(401, 403))
def logout(request: Request, caller: Caller, auth: AuthDep) -> Response:
    """End the session of the cookie sent (a bearer token is unaffected)."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        auth.sign_out(session)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/session", response_model=SignedIn, responses=errors(401))
def current_session(request: Request, principal: CurrentPrincipal, auth: AuthDep) -> SignedIn:
    """The signed-in user and the session's CSRF token (for a page loaded later)."""
    session = request.cookies.get(SESSION_COOKIE)
    if not session or "authorization" in request.headers:
        raise InputError(f"no session cookie: this is for browsers (send {CSRF_HEADER} from it)")
    user = auth.directory.user(principal.id)
    return SignedIn(csrfToken=auth.csrf_token(session), user=user_json(user))


@router.post("/setup", response_model=Json, responses=errors(400, 401, 422))
def setup(body: SetupRequest, auth: AuthDep) -> Json:
    """Set the first admin's password with the setup token printed at first start (once)."""
    return user_json(auth.complete_setup(body.setup_token, body.password))
