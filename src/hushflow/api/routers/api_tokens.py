"""API tokens of users and of service accounts, at Kestra's paths.

A token is in an answer once, when it is created (``fullToken``); listings
show its prefix. Users manage their own tokens; anyone else needs USER (or
SERVICE_ACCOUNT) UPDATE to create or revoke, VIEW to list.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from hushflow.api.iam import AuthDep, Caller, audit
from hushflow.api.iam_shapes import token_created, token_json
from hushflow.api.openapi import errors
from hushflow.api.security import ServicesDep
from hushflow.auth._time import utcnow
from hushflow.auth.authorize import authorize
from hushflow.auth.permissions import Action, Principal, Resource
from hushflow.auth.records import SubjectType
from hushflow.auth.service import AuthService
from hushflow.errors import InputError, NotFound
from hushflow.models.duration import parse_duration

#: Every route answers 404 where the server has no AuthService (another authenticator).
router = APIRouter(tags=["Users", "ServiceAccount"], responses=errors(401, 404))
Json = dict[str, Any]


class TokenRequest(BaseModel):
    """Kestra's ``CreateApiTokenRequest``; ``maxAge`` is an ISO-8601 duration (``P30D``)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    name: str
    description: str | None = None
    max_age: str | None = Field(None, alias="maxAge")
    extended: bool | None = None


class TokenList(BaseModel):
    total: int
    results: list[Json]


def _owner(
    auth: AuthService, caller: Principal, kind: SubjectType, ref: str, action: Action
) -> str:
    """The owner's id, once the caller may act on its tokens."""
    if kind is SubjectType.USER:
        if caller.kind == "USER" and caller.id == ref:
            return ref  # one's own tokens
        authorize(caller, Resource.USER, action, hide=True)
    else:
        authorize(caller, Resource.SERVICE_ACCOUNT, action, hide=True)
    return auth.subject_id(kind, ref)


def _create(
    auth: AuthService, caller: Principal, kind: SubjectType, ref: str, body: TokenRequest
) -> Json:
    owner = _owner(auth, caller, kind, ref, Action.UPDATE)
    try:
        age = None if body.max_age is None else parse_duration(body.max_age)
    except ValueError as exc:
        raise InputError(f"maxAge: {exc}") from None
    issued = auth.tokens.issue(kind, owner, body.name, description=body.description, max_age=age)
    return token_created(issued)


def _list(auth: AuthService, caller: Principal, kind: SubjectType, ref: str) -> TokenList:
    owner = _owner(auth, caller, kind, ref, Action.VIEW)
    now = utcnow()
    live = [t for t in auth.tokens.all(kind, owner) if t.active]
    return TokenList(total=len(live), results=[token_json(t, now) for t in live])


def _revoke(auth: AuthService, caller: Principal, kind: SubjectType, ref: str, token: str) -> str:
    owner = _owner(auth, caller, kind, ref, Action.UPDATE)
    info = auth.tokens.get(token)
    if info.owner_type is not kind or info.owner_id != owner or not info.active:
        raise NotFound(f"API token '{token}' not found")
    auth.revoke_token(token)
    return info.name


@router.post("/users/{id}/api-tokens", response_model=Json, responses=errors(400, 401, 404, 422))
def create_user_token(
    id: str, body: TokenRequest, caller: Caller, auth: AuthDep, svc: ServicesDep
) -> Json:
    """A new token for the user; ``fullToken`` is shown this once."""
    made = _create(auth, caller, SubjectType.USER, id, body)
    audit(svc, caller, "api-token.create", id, f"name={body.name}")
    return made


@router.get("/users/{id}/api-tokens", response_model=TokenList, responses=errors(401, 404))
def list_user_tokens(id: str, caller: Caller, auth: AuthDep) -> TokenList:
    return _list(auth, caller, SubjectType.USER, id)


@router.delete("/users/{id}/api-tokens/{tokenId}", status_code=204, responses=errors(401, 404))
def revoke_user_token(
    id: str, tokenId: str, caller: Caller, auth: AuthDep, svc: ServicesDep
) -> Response:
    """Revoke a token: it stops working at once."""
    name = _revoke(auth, caller, SubjectType.USER, id, tokenId)
    audit(svc, caller, "api-token.revoke", id, f"name={name}")
    return Response(status_code=204)


@router.post(
    "/service-accounts/{id}/api-tokens", response_model=Json, responses=errors(400, 401, 404, 422)
)
def create_account_token(
    id: str, body: TokenRequest, caller: Caller, auth: AuthDep, svc: ServicesDep
) -> Json:
    made = _create(auth, caller, SubjectType.SERVICE_ACCOUNT, id, body)
    audit(svc, caller, "api-token.create", id, f"name={body.name}")
    return made


@router.get(
    "/service-accounts/{id}/api-tokens", response_model=TokenList, responses=errors(401, 404)
)
def list_account_tokens(id: str, caller: Caller, auth: AuthDep) -> TokenList:
    return _list(auth, caller, SubjectType.SERVICE_ACCOUNT, id)


@router.delete(
    "/service-accounts/{id}/api-tokens/{tokenId}", status_code=204, responses=errors(401, 404)
)
def revoke_account_token(
    id: str, tokenId: str, caller: Caller, auth: AuthDep, svc: ServicesDep
) -> Response:
    name = _revoke(auth, caller, SubjectType.SERVICE_ACCOUNT, id, tokenId)
    audit(svc, caller, "api-token.revoke", id, f"name={name}")
    return Response(status_code=204)
