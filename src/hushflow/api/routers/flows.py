"""Flows: create and update from YAML, get, list, search, revisions, delete, validate.

Kestra's paths. A flow the caller may not see answers 404, as one that does
not exist; creating needs FLOW CREATE on the flow's namespace.
"""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from hushflow.api import audit_trail
from hushflow.api.bodies import YAML_BODY, text_body
from hushflow.api.errors import ErrorDetail
from hushflow.api.flow_checks import Finding, check, parse_checked
from hushflow.api.openapi import errors
from hushflow.api.security import CurrentPrincipal, ServicesDep
from hushflow.api.services import Services
from hushflow.api.shapes import flow_json
from hushflow.auth.authorize import authorize
from hushflow.auth.permissions import Action, Principal, Resource
from hushflow.errors import HushflowError, NotFound
from hushflow.models.yaml_limits import YamlTooLarge, safe_load_bounded
from hushflow.storage import search
from hushflow.storage.repository import FlowRepository, StoredFlow

router = APIRouter(tags=["Flows"])

YamlBody = Annotated[str, Depends(text_body)]
Json = dict[str, Any]


class Conflict(HushflowError):
    """The object exists already, or is in a state that forbids the request."""

    status = 409


class FlowPage(BaseModel):
    results: list[Json]
    total: int


class Violation(BaseModel):
    """One flow of a validated document, Kestra's ``ValidateConstraintViolation`` plus positions."""

    index: int
    flow: str | None = None
    namespace: str | None = None
    constraints: str | None = None
    details: list[ErrorDetail] = []
    warnings: list[Finding] = []
    outdated: bool = False
    deprecationPaths: list[str] = []
    infos: list[str] = []


@router.post(
    "/flows",
    response_model=Json,
    openapi_extra=YAML_BODY,
    responses=errors(400, 401, 403, 409, 422),
)
def create_flow(source: YamlBody, principal: CurrentPrincipal, svc: ServicesDep) -> Json:
    """Create a flow from its YAML source (``Content-Type: application/x-yaml``)."""
    flow = parse_checked(source)
    authorize(principal, Resource.FLOW, Action.CREATE, flow.namespace)
    repo = FlowRepository(svc.database)
    try:
        repo.get(flow.namespace, flow.id)
    except NotFound:
        pass
    else:
        raise Conflict(f"flow '{flow.namespace}.{flow.id}' exists already; PUT updates it")
    stored, _ = repo.save(flow.namespace, flow.id, source)
    audit_trail.record(svc, principal, "flow.create", flow.namespace, flow.id, flow_id=flow.id)
    return flow_json(stored)


@router.post(
    "/flows/validate", response_model=list[Violation], openapi_extra=YAML_BODY,
    responses=errors(400, 401, 422),
)  # fmt: skip
def validate_flows(source: YamlBody, principal: CurrentPrincipal) -> list[Violation]:
    """Validate one or more flows (YAML documents separated by ``---``); nothing is stored."""
    return [_violation(i, doc) for i, doc in enumerate(_documents(source))]


def _documents(source: str) -> list[str]:
    parts = [p for p in source.split("\n---") if p.strip()]
    return parts or [source]


def _violation(index: int, source: str) -> Violation:
    checked = check(source)
    head = _head(source)
    if checked.flow is not None:
        head = {"id": checked.flow.id, "namespace": checked.flow.namespace}
    return Violation(
        index=index,
        flow=head.get("id"),
        namespace=head.get("namespace"),
        constraints="\n".join(_line(e) for e in checked.errors) or None,
        details=checked.errors,
        warnings=checked.warnings,
    )


def _head(source: str) -> dict[str, str]:
    try:
        doc = safe_load_bounded(source)
    except (yaml.YAMLError, YamlTooLarge):
        return {}
    if not isinstance(doc, dict):
        return {}
    return {k: str(doc[k]) for k in ("id", "namespace") if isinstance(doc.get(k), str)}


def _line(e: ErrorDetail) -> str:
    return f"{e.line}:{e.column}: {e.message}" if e.line is not None else e.message


@router.get("/flows/search", response_model=FlowPage, responses=errors(400, 401, 422))
def search_flows(
    principal: CurrentPrincipal,
    svc: ServicesDep,
    namespace: str | None = None,
    q: Annotated[str | None, Query(description="Text in the id, namespace or source")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=1000)] = 25,
) -> FlowPage:
    """The newest revision of every flow the caller may list, filtered."""
    found = _visible_flows(principal, svc, namespace)
    if q:
        needle = q.lower()
        found = [f for f in found if needle in f"{f.namespace}.{f.id}\n{f.source}".lower()]
    start = (page - 1) * size
    return FlowPage(results=[flow_json(f) for f in found[start : start + size]], total=len(found))


def _visible_flows(principal: Principal, svc: Services, namespace: str | None) -> list[StoredFlow]:
    roots = principal.visible_namespace_roots(Resource.FLOW, Action.LIST)
    flows = FlowRepository(svc.database).list(namespace)
    if roots is None:
        return flows
    return [f for f in flows if any(_under(f.namespace, r) for r in roots)]


def _under(namespace: str, root: str) -> bool:
    return namespace == root or namespace.startswith(root + ".")


@router.get("/flows/{namespace}", response_model=list[Json], responses=errors(401, 422))
def list_flows_by_namespace(
    namespace: str, principal: CurrentPrincipal, svc: ServicesDep
) -> list[Json]:
    """The flows of exactly ``namespace`` that the caller may list."""
    found = _visible_flows(principal, svc, namespace)
    return [flow_json(f, with_source=False) for f in found if f.namespace == namespace]


@router.get("/flows/{namespace}/{id}", response_model=Json, responses=errors(401, 404, 422))
def get_flow(
    namespace: str,
    id: str,
    principal: CurrentPrincipal,
    svc: ServicesDep,
    revision: Annotated[int | None, Query(ge=1, le=2**31)] = None,
    source: bool = True,
) -> Json:
    """One flow (newest revision, or ``revision``), parsed and with its source."""
    authorize(principal, Resource.FLOW, Action.VIEW, namespace, hide=True)
    stored = FlowRepository(svc.database).get(namespace, id, revision)
    return flow_json(stored, with_source=source)


@router.put(
    "/flows/{namespace}/{id}", response_model=Json, openapi_extra=YAML_BODY,
    responses=errors(400, 401, 403, 404, 422),
)  # fmt: skip
def update_flow(
    namespace: str, id: str, source: YamlBody, principal: CurrentPrincipal, svc: ServicesDep
) -> Json:
    """Store a new revision of an existing flow (none if the source did not change)."""
    authorize(principal, Resource.FLOW, Action.UPDATE, namespace, hide=True)
    repo = FlowRepository(svc.database)
    repo.get(namespace, id)
    flow = parse_checked(source)
    if (flow.namespace, flow.id) != (namespace, id):
        raise BadFlowIdentity(
            f"the source says '{flow.namespace}.{flow.id}' but the path says '{namespace}.{id}'; "
            "a flow's id and namespace cannot change"
        )
    stored, status = repo.save(namespace, id, source)
    if status != "unchanged":
        audit_trail.record(svc, principal, "flow.update", namespace, id, flow_id=id)
    return flow_json(stored)


class BadFlowIdentity(HushflowError):
    status = 422


@router.delete(
    "/flows/{namespace}/{id}", status_code=204, response_class=Response,
    responses=errors(401, 403, 404, 422),
)  # fmt: skip
def delete_flow(namespace: str, id: str, principal: CurrentPrincipal, svc: ServicesDep) -> Response:
    """Delete a flow (its revisions and executions stay readable)."""
    authorize(principal, Resource.FLOW, Action.DELETE, namespace, hide=True)
    search.delete_flow(svc.database, namespace, id)
    audit_trail.record(svc, principal, "flow.delete", namespace, id, flow_id=id)
    return Response(status_code=204)


@router.get(
    "/flows/{namespace}/{id}/revisions", response_model=list[Json], responses=errors(401, 404, 422)
)
def list_revisions(
    namespace: str, id: str, principal: CurrentPrincipal, svc: ServicesDep
) -> list[Json]:
    """Every revision of a flow, oldest first, with its source."""
    authorize(principal, Resource.FLOW, Action.VIEW, namespace, hide=True)
    found = search.flow_revisions(svc.database, namespace, id)
    if not found:
        raise NotFound(f"flow '{namespace}.{id}' not found")
    return [flow_json(f) for f in found]
