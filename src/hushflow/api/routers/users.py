"""Users: Kestra's ``/users`` paths (also served without the tenant segment, as Kestra has them).

Every route needs an instance-wide USER permission; a user the caller may
not see answers 404. Passwords are write-only: no answer carries one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from hushflow.api.iam import AuthDep, Caller, PageDep, audit
from hushflow.api.iam_shapes import user_json, user_summary_json
from hushflow.api.openapi import errors
from hushflow.api.security import ServicesDep
from hushflow.auth.authorize import authorize
from hushflow.auth.errors import Conflict
from hushflow.auth.permissions import Action, Resource
from hushflow.errors import InputError

#: Every route answers 404 where the server has no AuthService (another authenticator).
router = APIRouter(tags=["Users"], responses=errors(401, 404))
Json = dict[str, Any]


class UserRequest(BaseModel):
    """Kestra's ``IAMUserControllerApiCreateOrUpdateUserRequest`` (``username`` is ours)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    email: str | None = None
    username: str | None = None
    first_name: str | None = Field(None, alias="firstName")
    last_name: str | None = Field(None, alias="lastName")
    password: str | None = Field(None, json_schema_extra={"writeOnly": True})
    groups: list[str] | None = None


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    email: str | None = None
    first_name: str | None = Field(None, alias="firstName")
    last_name: str | None = Field(None, alias="lastName")
    disabled: bool | None = None


class PasswordRequest(BaseModel):
    password: str = Field(json_schema_extra={"writeOnly": True})


class UserPage(BaseModel):
    results: list[Json]
    total: int


@router.post("/users", response_model=Json, responses=errors(400, 401, 403, 409, 422))
def create_user(body: UserRequest, caller: Caller, auth: AuthDep, svc: ServicesDep) -> Json:
    """Create a user; ``username`` defaults to ``email`` (Kestra signs users in by e-mail)."""
    authorize(caller, Resource.USER, Action.CREATE)
    username = body.username or body.email
    if not username:
        raise InputError("give 'email' (or 'username') for the new user")
    made = auth.create_user(
        username,
        body.password,
        email=body.email,
        first_name=body.first_name,
        last_name=body.last_name,
    )
    for group in body.groups or []:
        auth.directory.add_member(group, made.id)
    audit(svc, caller, "user.create", made.username)
    return user_json(auth.directory.user(made.id))


@router.get("/users", response_model=UserPage, responses=errors(401, 403, 422))
def list_users(
    caller: Caller,
    auth: AuthDep,
    page: PageDep,
    q: Annotated[str | None, Query(description="Part of a username")] = None,
) -> UserPage:
    """Users, by username, a page at a time."""
    authorize(caller, Resource.USER, Action.LIST)
    found = [u for u in auth.directory.users() if not q or q.lower() in u.username.lower()]
    return UserPage(results=[user_summary_json(u) for u in page.slice(found)], total=len(found))


@router.get("/users/{id}", response_model=Json, responses=errors(401, 404))
def get_user(id: str, caller: Caller, auth: AuthDep) -> Json:
    """One user (yourself, or anyone with USER VIEW)."""
    user = auth.directory.user(id) if caller.id == id else None
    if user is None:
        authorize(caller, Resource.USER, Action.VIEW, hide=True)
        user = auth.directory.user(id)
    return user_json(user)


@router.put("/users/{id}", response_model=Json, responses=errors(400, 401, 403, 404, 422))
def update_user(
    id: str, body: UserRequest, caller: Caller, auth: AuthDep, svc: ServicesDep
) -> Json:
    """Replace a user's details (and password, when given); the username stays."""
    authorize(caller, Resource.USER, Action.UPDATE, hide=True)
    user = auth.directory.update_user(
        id, email=body.email, first_name=body.first_name, last_name=body.last_name
    )
    if body.password is not None:
        auth.set_password(user.id, body.password)
    audit(svc, caller, "user.update", user.username)
    return user_json(auth.directory.user(user.id))


@router.patch("/users/{id}", response_model=Json, responses=errors(400, 401, 403, 404, 409, 422))
def patch_user(id: str, body: UserPatch, caller: Caller, auth: AuthDep, svc: ServicesDep) -> Json:
    """Change some details; ``disabled: true`` ends the user's sessions."""
    authorize(caller, Resource.USER, Action.UPDATE, hide=True)
    if body.disabled and caller.id == id:
        raise Conflict("you cannot disable yourself; ask another administrator")
    values = body.model_dump(exclude_unset=True, exclude={"disabled"})
    user = auth.directory.update_user(id, **values)
    if body.disabled is not None:
        user = auth.set_disabled(user.id, body.disabled)
    audit(svc, caller, "user.update", user.username, ",".join(sorted(body.model_fields_set)))
    return user_json(user)


@router.patch(
    "/users/{id}/password", response_model=Json, responses=errors(400, 401, 403, 404, 422)
)
def set_password(
    id: str, body: PasswordRequest, caller: Caller, auth: AuthDep, svc: ServicesDep
) -> Json:
    """Set a user's password; the user's sessions end."""
    authorize(caller, Resource.USER, Action.UPDATE, hide=True)
    user = auth.set_password(id, body.password)
    audit(svc, caller, "user.password", user.username)
    return user_json(user)


@router.delete("/users/{id}", status_code=204, responses=errors(401, 403, 404, 409))
def delete_user(id: str, caller: Caller, auth: AuthDep, svc: ServicesDep) -> Response:
    """Delete a user, its bindings and sessions; its tokens are revoked."""
    authorize(caller, Resource.USER, Action.DELETE, hide=True)
    if caller.id == id:
        raise Conflict("you cannot delete yourself; ask another administrator")
    gone = auth.delete_user(id)
    audit(svc, caller, "user.delete", gone.username)
    return Response(status_code=204)
