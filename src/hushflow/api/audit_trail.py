"""Every change made through the API goes into the audit log, with who made it.

The audit log is the secret manager's (``secret_audit``); a change to a flow
or an execution is recorded there as ``<resource>.<action>`` with the object's
id in ``key``. Values never go in it.
"""

from __future__ import annotations

from hushflow.api.services import Services
from hushflow.auth.permissions import Principal
from hushflow.secrets.audit import AuditEvent


def record(
    svc: Services,
    principal: Principal,
    action: str,
    namespace: str,
    key: str,
    *,
    detail: str | None = None,
    execution_id: str | None = None,
    flow_id: str | None = None,
    now: bool = True,
) -> None:
    """Write one audit record (no-op without a secret manager's audit log).

    ``now=False`` leaves it to the audit log's writer thread (within a second;
    the audit route flushes before it reads): for frequent records such as
    execution starts, whose synchronous write would double a start's cost.
    """
    audit = svc.secrets.audit if svc.secrets is not None else None
    if audit is None:
        return
    event = AuditEvent(
        action,
        namespace,
        key,
        actor=principal.name,
        detail=detail,
        execution_id=execution_id,
        flow_id=flow_id,
    )
    audit.record(event, now_=now)
