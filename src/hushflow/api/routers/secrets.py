"""Namespace secrets at Kestra's paths: list, inherited keys, put, patch, delete, versions.

No route here returns a value: a value goes in (``PUT``), never out. Listing
needs SECRET LIST on the namespace; a key the caller may not list answers
404 like one that does not exist. Every change is in the audit log (the
secret manager records it, with the caller as actor).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hushflow.api.guards import no_nul_text
from hushflow.api.openapi import errors
from hushflow.api.security import CurrentPrincipal, ServicesDep
from hushflow.api.services import Services
from hushflow.auth.authorize import authorize
from hushflow.auth.permissions import Action, Principal, Resource
from hushflow.errors import HushflowError, SecretNotFound
from hushflow.secrets.keys import check_key, check_namespace
from hushflow.secrets.manager import SecretManager
from hushflow.secrets.model import SecretMeta

router = APIRouter(tags=["Secrets"])


Text = Annotated[str, AfterValidator(no_nul_text)]


class Tag(BaseModel):
    key: Text
    value: Text


class SecretItem(BaseModel):
    """What a listing shows of a secret: never its value."""

    key: str
    namespace: str
    description: str | None = None
    tags: list[Tag] = []
    version: int | None = None
    updated: datetime | None = None


class SecretList(BaseModel):
    readOnly: bool
    results: list[SecretItem]
    total: int


class SecretValueIn(BaseModel):
    """A secret to store. ``value`` is write-only: no response ever contains it."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    key: str = Field(min_length=1, max_length=255)
    value: str = Field(min_length=1, repr=False, json_schema_extra={"writeOnly": True})
    description: Text | None = None
    tags: list[Tag] = []


class SecretMetaIn(BaseModel):
    """New metadata for a stored secret (its value is kept)."""

    model_config = ConfigDict(extra="ignore")

    description: Text | None = None
    tags: list[Tag] | None = None


class VersionItem(BaseModel):
    version: int
    created: datetime | None = None
    createdBy: str | None = None
    deleted: datetime | None = None
    destroyed: bool = False


class NoSecrets(HushflowError):
    status = 503


def _manager(svc: Services) -> SecretManager:
    if svc.secrets is None:
        raise NoSecrets("this server has no secret manager configured")
    return svc.secrets


def _utc(when: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def _item(meta: SecretMeta) -> SecretItem:
    return SecretItem(
        key=meta.key,
        namespace=meta.namespace,
        description=meta.description,
        tags=[Tag(key=k, value=v) for k, v in meta.tags.items()],
        version=meta.current_version,
        updated=_utc(meta.updated),
    )


def _check_key_visible(principal: Principal, namespace: str) -> None:
    authorize(principal, Resource.SECRET, Action.LIST, namespace, hide=True)


@router.get("/namespaces/{namespace}/secrets", response_model=SecretList, responses=errors())
def list_secrets(
    namespace: str,
    principal: CurrentPrincipal,
    svc: ServicesDep,
    q: str | None = None,
) -> SecretList:
    """Keys stored in exactly this namespace, with metadata (deleted ones left out)."""
    check_namespace(namespace)
    authorize(principal, Resource.SECRET, Action.LIST, namespace)
    manager = _manager(svc)
    metas = [m for m in manager.list_keys(namespace) if not m.deleted]
    if q:
        metas = [m for m in metas if q.lower() in m.key.lower()]
    read_only = bool(getattr(manager.owner(namespace), "read_only", False))
    return SecretList(readOnly=read_only, results=[_item(m) for m in metas], total=len(metas))


@router.get(
    "/namespaces/{namespace}/inherited-secrets",
    response_model=dict[str, list[str]],
    responses=errors(),
)
def inherited_secrets(
    namespace: str, principal: CurrentPrincipal, svc: ServicesDep
) -> dict[str, list[str]]:
    """Keys this namespace resolves from its parents (and the environment), by namespace."""
    check_namespace(namespace)
    authorize(principal, Resource.SECRET, Action.LIST, namespace)
    out: dict[str, list[str]] = {}
    for meta in _manager(svc).list_keys(namespace, inherited=True):
        if meta.namespace != namespace:
            out.setdefault(meta.namespace, []).append(meta.key)
    return out


@router.put("/namespaces/{namespace}/secrets", response_model=list[SecretItem], responses=errors())
def put_secret(
    namespace: str,
    secret: Annotated[SecretValueIn, Body()],
    principal: CurrentPrincipal,
    svc: ServicesDep,
) -> list[SecretItem]:
    """Create or replace a secret (a new version); answers its metadata, never the value."""
    check_namespace(namespace)
    check_key(secret.key)
    manager = _manager(svc)
    exists = manager.describe(namespace, secret.key)
    action = Action.UPDATE if exists is not None and not exists.deleted else Action.CREATE
    authorize(principal, Resource.SECRET, action, namespace)
    manager.set(
        namespace,
        secret.key,
        secret.value,
        actor=principal.name,
        description=secret.description,
        tags={t.key: t.value for t in secret.tags},
    )
    return [_item(_described(manager, namespace, secret.key))]


def _described(manager: SecretManager, namespace: str, key: str) -> SecretMeta:
    meta = manager.describe(namespace, key)
    if meta is None or meta.deleted:
        raise SecretNotFound(f"secret '{key}' not found in namespace '{namespace}'")
    return meta


@router.patch(
    "/namespaces/{namespace}/secrets/{key}", response_model=list[SecretItem], responses=errors()
)
def patch_secret(
    namespace: str,
    key: str,
    meta: Annotated[SecretMetaIn, Body()],
    principal: CurrentPrincipal,
    svc: ServicesDep,
) -> list[SecretItem]:
    """Change a secret's description or tags; the value stays (stored again as a new version)."""
    check_namespace(namespace)
    _check_key_visible(principal, namespace)
    authorize(principal, Resource.SECRET, Action.UPDATE, namespace)
    manager = _manager(svc)
    current = _described(manager, namespace, key)
    store = manager.holder(namespace, key)
    found = store.read(namespace, key)
    if found is None:
        raise SecretNotFound(f"secret '{key}' not found in namespace '{namespace}'")
    tags = current.tags if meta.tags is None else {t.key: t.value for t in meta.tags}
    description = current.description if meta.description is None else meta.description
    manager.set(
        namespace, current.key, found.reveal(), actor=principal.name,
        description=description, tags=tags, cas=found.version,
    )  # fmt: skip
    return [_item(_described(manager, namespace, key))]


@router.delete(
    "/namespaces/{namespace}/secrets/{key}", status_code=204, response_class=Response,
    responses=errors(),
)  # fmt: skip
def delete_secret(
    namespace: str, key: str, principal: CurrentPrincipal, svc: ServicesDep
) -> Response:
    """Delete a secret (its versions are kept, recoverable with ``hushflow secret undelete``)."""
    check_namespace(namespace)
    _check_key_visible(principal, namespace)
    authorize(principal, Resource.SECRET, Action.DELETE, namespace)
    manager = _manager(svc)
    current = _described(manager, namespace, key)
    versions = [v.version for v in manager.versions(namespace, key) if v.readable]
    manager.delete(namespace, current.key, versions or None, actor=principal.name)
    return Response(status_code=204)


@router.get(
    "/namespaces/{namespace}/secrets/{key}/versions",
    response_model=list[VersionItem],
    responses=errors(),
)
def secret_versions(
    namespace: str, key: str, principal: CurrentPrincipal, svc: ServicesDep
) -> list[VersionItem]:
    """The kept versions of a secret, oldest first: metadata only."""
    check_namespace(namespace)
    _check_key_visible(principal, namespace)
    found = _manager(svc).versions(namespace, key)
    if not found:
        raise SecretNotFound(f"secret '{key}' not found in namespace '{namespace}'")
    return [
        VersionItem(
            version=v.version,
            created=_utc(v.created),
            createdBy=v.created_by,
            deleted=_utc(v.deleted),
            destroyed=v.destroyed,
        )
        for v in found
    ]
