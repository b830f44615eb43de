"""Service accounts at Kestra's ``/service-accounts``; instance-wide SERVICE_ACCOUNT rights."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict

from hushflow.api.iam import AuthDep, Caller, PageDep, audit
from hushflow.api.iam_shapes import account_json
from hushflow.api.openapi import errors
from hushflow.api.security import ServicesDep
from hushflow.auth.authorize import authorize
from hushflow.auth.permissions import Action, Resource

#: Every route answers 404 where the server has no AuthService (another authenticator).
router = APIRouter(tags=["ServiceAccount"], responses=errors(401, 404))
Json = dict[str, Any]
R = Resource.SERVICE_ACCOUNT


class AccountRequest(BaseModel):
    """Kestra's create and patch requests (``tenants``, ``instanceOwner`` are ignored)."""

    model_config = ConfigDict(extra="ignore")

    name: str
    description: str | None = None


class AccountPage(BaseModel):
    results: list[Json]
    total: int


@router.post("/service-accounts", response_model=Json, responses=errors(400, 401, 403, 409, 422))
def create_account(body: AccountRequest, caller: Caller, auth: AuthDep, svc: ServicesDep) -> Json:
    """Create a service account (bind it a role, then give it an API token)."""
    authorize(caller, R, Action.CREATE)
    made = auth.create_service_account(body.name, body.description)
    audit(svc, caller, "service-account.create", made.name)
    return account_json(made)


@router.get("/service-accounts", response_model=AccountPage, responses=errors(401, 403, 422))
def list_accounts(caller: Caller, auth: AuthDep, page: PageDep) -> AccountPage:
    """Service accounts by name, a page at a time."""
    authorize(caller, R, Action.LIST)
    found = auth.directory.service_accounts()
    return AccountPage(results=[account_json(a) for a in page.slice(found)], total=len(found))


@router.get("/service-accounts/{id}", response_model=Json, responses=errors(401, 404))
def get_account(id: str, caller: Caller, auth: AuthDep) -> Json:
    authorize(caller, R, Action.VIEW, hide=True)
    return account_json(auth.directory.service_account(id))


@router.patch(
    "/service-accounts/{id}", response_model=Json, responses=errors(400, 401, 403, 404, 409, 422)
)
def patch_account(
    id: str, body: AccountRequest, caller: Caller, auth: AuthDep, svc: ServicesDep
) -> Json:
    """Rename a service account or change its description."""
    authorize(caller, R, Action.UPDATE, hide=True)
    changed = auth.directory.rename_service_account(id, body.name, body.description)
    audit(svc, caller, "service-account.update", changed.name)
    return account_json(changed)


@router.delete("/service-accounts/{id}", status_code=204, responses=errors(401, 403, 404))
def delete_account(id: str, caller: Caller, auth: AuthDep, svc: ServicesDep) -> Response:
    """Delete a service account with its bindings; its tokens are revoked."""
    authorize(caller, R, Action.DELETE, hide=True)
    gone = auth.delete_service_account(id)
    audit(svc, caller, "service-account.delete", gone.name)
    return Response(status_code=204)
