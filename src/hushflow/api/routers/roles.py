"""Roles: Kestra's ``/roles`` paths. Managed roles are listed and read, never changed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from hushflow.api.iam import AuthDep, Caller, PageDep, audit
from hushflow.api.iam_shapes import role_json, role_summary_json
from hushflow.api.openapi import errors
from hushflow.api.security import ServicesDep
from hushflow.auth.authorize import authorize
from hushflow.auth.permissions import Action, Resource

#: Every route answers 404 where the server has no AuthService (another authenticator).
router = APIRouter(tags=["Roles"], responses=errors(401, 404))
Json = dict[str, Any]
R = Resource.ROLE


class RoleRequest(BaseModel):
    """Kestra's ``IAMRoleControllerApiRoleCreateOrUpdateRequest``: ``{RESOURCE: [ACTION]}``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    name: str
    description: str | None = None
    permissions: dict[str, list[str]] = Field(default_factory=dict)
    is_default: bool | None = Field(None, alias="isDefault")


class RolePage(BaseModel):
    results: list[Json]
    total: int


@router.post("/roles", response_model=Json, responses=errors(400, 401, 403, 409, 422))
def create_role(body: RoleRequest, caller: Caller, auth: AuthDep, svc: ServicesDep) -> Json:
    """Create a custom role; an unknown resource or action is a 422 that names it."""
    authorize(caller, R, Action.CREATE)
    made = auth.create_role(body.name, body.permissions, body.description or "")
    audit(svc, caller, "role.create", made.name)
    return role_json(made)


@router.get("/roles/search", response_model=RolePage, responses=errors(401, 403, 422))
def search_roles(caller: Caller, auth: AuthDep, page: PageDep, q: str | None = None) -> RolePage:
    """Managed roles first, then custom ones by name."""
    authorize(caller, R, Action.LIST)
    found = [r for r in auth.roles.all() if not q or q.lower() in r.name.lower()]
    return RolePage(results=[role_summary_json(r) for r in page.slice(found)], total=len(found))


@router.get("/roles/{id}", response_model=Json, responses=errors(401, 404))
def get_role(id: str, caller: Caller, auth: AuthDep) -> Json:
    authorize(caller, R, Action.VIEW, hide=True)
    return role_json(auth.roles.info(id))


@router.put("/roles/{id}", response_model=Json, responses=errors(400, 401, 403, 404, 409, 422))
def update_role(
    id: str, body: RoleRequest, caller: Caller, auth: AuthDep, svc: ServicesDep
) -> Json:
    """Replace a custom role's name, description and permissions (409 for a managed role)."""
    authorize(caller, R, Action.UPDATE, hide=True)
    changed = auth.roles.update(id, body.permissions, body.description or "", body.name)
    audit(svc, caller, "role.update", changed.name)
    return role_json(changed)


@router.delete("/roles/{id}", status_code=204, responses=errors(401, 403, 404, 409))
def delete_role(id: str, caller: Caller, auth: AuthDep, svc: ServicesDep) -> Response:
    """Delete a custom role no binding uses (409 otherwise, and for a managed role)."""
    authorize(caller, R, Action.DELETE, hide=True)
    gone = auth.roles.delete(id)
    audit(svc, caller, "role.delete", gone.name)
    return Response(status_code=204)
