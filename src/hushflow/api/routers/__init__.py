"""Every router of the API, in one list.

Each module named here exposes ``router`` (a ``fastapi.APIRouter`` whose paths
are relative to the tenant prefix). :func:`hushflow.api.app.create_app` mounts
each under ``/api/v1/main`` (Kestra's paths with the tenant) and ``/api/v1``.
Add a module by appending it; a module not built yet is skipped.
"""

from __future__ import annotations

ROUTER_MODULES: list[str] = [
    "hushflow.api.routers.health",
    "hushflow.api.routers.flows",
    "hushflow.api.routers.executions",
    "hushflow.api.routers.logs",
    "hushflow.api.routers.namespaces",
    "hushflow.api.routers.secrets",
    "hushflow.api.routers.audit",
    "hushflow.api.routers.eval",
]
