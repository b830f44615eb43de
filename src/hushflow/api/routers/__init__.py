"""Every router of the API, in one list.

Each module named here exposes ``router`` (a ``fastapi.APIRouter`` whose paths
are relative to the tenant prefix). :func:`hushflow.api.app.create_app` mounts
each under ``/api/v1/main`` (Kestra's paths with the tenant) and ``/api/v1``.
Add a module by appending it; a module not built yet is skipped.

Order matters where Kestra's paths overlap: the first route that matches
wins, so ``POST /executions/{id}/restart`` (and ``/eval``) must come before
``POST /executions/{namespace}/{flowId}``, which would otherwise take it.
"""

from __future__ import annotations

ROUTER_MODULES: list[str] = [
    "hushflow.api.routers.health",
    "hushflow.api.routers.flows",
    "hushflow.api.routers.execution_actions",
    "hushflow.api.routers.follow",
    "hushflow.api.routers.eval",
    "hushflow.api.routers.executions",
    "hushflow.api.routers.logs",
    "hushflow.api.routers.namespaces",
    "hushflow.api.routers.secrets",
    "hushflow.api.routers.audit",
    "hushflow.api.routers.sessions",
    "hushflow.api.routers.users",
    "hushflow.api.routers.api_tokens",
    "hushflow.api.routers.service_accounts",
    "hushflow.api.routers.roles",
    "hushflow.api.routers.bindings",
    "hushflow.api.routers.secret_usage",
]
