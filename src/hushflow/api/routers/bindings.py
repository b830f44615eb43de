"""Bindings: Kestra's ``/bindings`` paths; a role for a user, group or service account.

Kestra knows ``USER`` and ``GROUP`` bindings, a service account being a kind
of user: ``type: USER`` with a service account's id binds that account.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from hushflow.api.iam import AuthDep, Caller, PageDep, audit
from hushflow.api.iam_shapes import binding_json
from hushflow.api.openapi import errors
from hushflow.api.security import ServicesDep
from hushflow.auth.authorize import authorize
from hushflow.auth.permissions import Action, Resource
from hushflow.auth.records import Binding, SubjectType
from hushflow.auth.service import AuthService
from hushflow.errors import NotFound

#: Every route answers 404 where the server has no AuthService (another authenticator).
router = APIRouter(tags=["Bindings"], responses=errors(401, 404))
Json = dict[str, Any]
R = Resource.BINDING


class BindingRequest(BaseModel):
    """Kestra's ``IAMBindingControllerApiCreateBindingRequest``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    type: SubjectType
    external_id: str = Field(alias="externalId")
    role_id: str = Field(alias="roleId")
    namespace_id: str | None = Field(None, alias="namespaceId")


class BindingPage(BaseModel):
    results: list[Json]
    total: int


def _subject(auth: AuthService, kind: SubjectType, ref: str) -> tuple[SubjectType, str]:
    """The subject's type and id; a USER id that names a service account binds the account."""
    if kind is SubjectType.USER:
        try:
            return kind, auth.subject_id(kind, ref)
        except NotFound:
            kind = SubjectType.SERVICE_ACCOUNT
    return kind, auth.subject_id(kind, ref)


def _document(auth: AuthService, binding: Binding) -> Json:
    role = auth.roles.info(binding.role_id).name
    try:
        if binding.subject_type is SubjectType.USER:
            name = auth.directory.user(binding.subject_id).username
        elif binding.subject_type is SubjectType.GROUP:
            name = auth.directory.group(binding.subject_id).name
        else:
            name = auth.directory.service_account(binding.subject_id).name
    except NotFound:
        name = binding.subject_id
    return binding_json(binding, role, name)


@router.post("/bindings", response_model=Json, responses=errors(400, 401, 403, 404, 422))
def create_binding(body: BindingRequest, caller: Caller, auth: AuthDep, svc: ServicesDep) -> Json:
    """Give ``roleId`` to a subject on ``namespaceId`` (none: the whole instance)."""
    authorize(caller, R, Action.CREATE)
    kind, subject_id = _subject(auth, body.type, body.external_id)
    made = auth.roles.bind(kind, subject_id, body.role_id, body.namespace_id)
    doc = _document(auth, made)
    audit(svc, caller, "binding.create", made.id, f"role={doc['role']['name']};"
          f"namespace={made.namespace or '*'};subject={kind.value}:{subject_id}")  # fmt: skip
    return doc


@router.get("/bindings/search", response_model=BindingPage, responses=errors(401, 403, 422))
def search_bindings(
    caller: Caller,
    auth: AuthDep,
    page: PageDep,
    type: Annotated[SubjectType | None, Query(description="USER, GROUP or SERVICE_ACCOUNT")] = None,
    id: Annotated[str | None, Query(description="The subject's id")] = None,
    namespace: Annotated[str | None, Query(description="Exactly this namespace")] = None,
) -> BindingPage:
    authorize(caller, R, Action.LIST)
    found = auth.roles.bindings(namespace=namespace)
    if type is not None:
        kinds = {type, SubjectType.SERVICE_ACCOUNT} if type is SubjectType.USER else {type}
        found = [b for b in found if b.subject_type in kinds]
    if id is not None:
        found = [b for b in found if b.subject_id == id]
    docs = [_document(auth, b) for b in page.slice(found)]
    return BindingPage(results=docs, total=len(found))


@router.get("/bindings/{id}", response_model=Json, responses=errors(401, 404))
def get_binding(id: str, caller: Caller, auth: AuthDep) -> Json:
    authorize(caller, R, Action.VIEW, hide=True)
    return _document(auth, auth.roles.binding(id))


@router.delete("/bindings/{id}", status_code=204, responses=errors(401, 403, 404))
def delete_binding(id: str, caller: Caller, auth: AuthDep, svc: ServicesDep) -> Response:
    authorize(caller, R, Action.DELETE, hide=True)
    gone = auth.roles.unbind(id)
    audit(svc, caller, "binding.delete", gone.id)
    return Response(status_code=204)
