"""Who may *use* a secret at run time: ``allowedNamespaces`` and ``allowedFlows`` of one key.

``GET`` needs SECRET LIST on the namespace (404 otherwise, as for the secret
itself), ``PUT`` SECRET UPDATE; the change is audited by the secret manager.
Both lists ``null``: no restriction beyond the namespace chain.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from hushflow.api.iam import Caller
from hushflow.api.openapi import errors
from hushflow.api.security import ServicesDep
from hushflow.auth.authorize import authorize
from hushflow.auth.permissions import Action, Resource
from hushflow.errors import NotFound
from hushflow.secrets.manager import SecretManager
from hushflow.secrets.usage import UsageRule

router = APIRouter(tags=["Secrets"], responses=errors(401, 404))


class Usage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    allowed_namespaces: list[str] | None = Field(None, alias="allowedNamespaces")
    allowed_flows: list[str] | None = Field(None, alias="allowedFlows")


def _manager(svc: ServicesDep) -> SecretManager:
    if svc.secrets is None:
        raise NotFound("this server has no secret manager")
    return svc.secrets


def _usage(rule: UsageRule) -> Usage:
    return Usage(
        allowedNamespaces=None
        if rule.allowed_namespaces is None
        else list(rule.allowed_namespaces),
        allowedFlows=None if rule.allowed_flows is None else list(rule.allowed_flows),
    )


@router.get(
    "/namespaces/{namespace}/secrets/{key}/usage",
    response_model=Usage,
    response_model_by_alias=True,
    responses=errors(400, 401, 404, 422),
)
def get_usage(namespace: str, key: str, caller: Caller, svc: ServicesDep) -> Usage:
    """The key's usage rule in exactly this namespace."""
    authorize(caller, Resource.SECRET, Action.LIST, namespace, hide=True)
    return _usage(_manager(svc).usage_rule(namespace, key))


@router.put(
    "/namespaces/{namespace}/secrets/{key}/usage",
    response_model=Usage,
    response_model_by_alias=True,
    responses=errors(400, 401, 403, 404, 422),
)
def put_usage(namespace: str, key: str, body: Usage, caller: Caller, svc: ServicesDep) -> Usage:
    """Replace the rule: which namespaces (with children) and flows may read the key."""
    authorize(caller, Resource.SECRET, Action.UPDATE, namespace, hide=True)
    rule = _manager(svc).restrict(
        namespace,
        key,
        allowed_namespaces=body.allowed_namespaces,
        allowed_flows=body.allowed_flows,
        actor=caller.name,
    )
    return _usage(rule)
