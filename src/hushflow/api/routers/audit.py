"""The audit log: secret reads by executions and every change made through the API.

Instance-wide (AUDITLOG LIST); filters by who, what, namespace (and its
children), key, execution and time; newest first, keyset-paginated by id.
No record holds a value (a value written is identified by an HMAC only).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from hushflow.api.openapi import errors
from hushflow.api.security import CurrentPrincipal, ServicesDep
from hushflow.auth.authorize import authorize
from hushflow.auth.permissions import Action, Resource
from hushflow.storage.search import AuditQuery, search_audit

router = APIRouter(tags=["Audit logs"])


class AuditItem(BaseModel):
    """One record (Kestra's ``auditLog`` wrapper keeps its clients' parsing)."""

    auditLog: dict[str, Any]


class AuditPage(BaseModel):
    results: list[AuditItem]
    total: int
    next: int | None = None


def _item(row: Any) -> AuditItem:
    when = row.at.replace(tzinfo=UTC) if row.at.tzinfo is None else row.at
    at = when.isoformat().replace("+00:00", "Z")
    return AuditItem(
        auditLog={
            "id": str(row.id),
            "type": row.action,
            "date": at,
            "userId": row.actor or "",
            "detail": {
                "namespace": row.namespace,
                "key": row.key,
                "version": row.version,
                "backend": row.backend,
                "sourceNamespace": row.source_namespace,
                "executionId": row.execution_id,
                "taskRunId": row.task_run_id,
                "flowId": row.flow_id,
                "valueHmac": row.value_hmac,
                "detail": row.detail,
            },
        }
    )


@router.get("/auditlogs/search", response_model=AuditPage, responses=errors(401, 403, 422))
def search_audit_logs(
    principal: CurrentPrincipal,
    svc: ServicesDep,
    actor: str | None = None,
    action: str | None = None,
    namespace: str | None = None,
    key: str | None = None,
    executionId: str | None = None,
    since: datetime | None = None,
    after: Annotated[
        int | None, Query(ge=1, le=2**62, description="'next' of the previous page")
    ] = None,
    size: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> AuditPage:
    """Audit records, newest first."""
    authorize(principal, Resource.AUDITLOG, Action.LIST)
    if svc.secrets is not None:
        svc.secrets.flush()
    query = AuditQuery(actor, action, namespace, key, executionId, since)
    rows, next_id = search_audit(svc.database, query, after=after, limit=size)
    return AuditPage(results=[_item(r) for r in rows], total=len(rows), next=next_id)
