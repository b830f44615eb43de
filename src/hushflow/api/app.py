"""The app factory: one FastAPI app over one set of services.

Routers come from :data:`hushflow.api.routers.ROUTER_MODULES`, each mounted
twice: under ``/api/v1/main`` (Kestra's paths, with the tenant) and under
``/api/v1`` (without it, as Kestra also accepts). Only the first form is in
the OpenAPI document; the second is the same route.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import Engine as Database

from hushflow import __version__
from hushflow.api import errors
from hushflow.api.guards import no_nul
from hushflow.api.openapi import errors_as_json
from hushflow.api.routers import ROUTER_MODULES
from hushflow.api.services import Services
from hushflow.api.settings import ServerSettings
from hushflow.auth.authenticator import Authenticator
from hushflow.engine.runner import Engine
from hushflow.secrets.manager import SecretManager

TENANT = "main"
PREFIX = "/api/v1"


def create_app(
    database: Database,
    *,
    authenticator: Authenticator | None = None,
    engine: Engine | None = None,
    secrets: SecretManager | None = None,
    settings: ServerSettings | None = None,
) -> FastAPI:
    """The API over ``database``; ``engine`` runs executions (``None``: web only).

    ``authenticator`` defaults to :class:`~hushflow.auth.service.AuthService`
    over the same database (users, tokens, sessions, bindings).
    """
    if authenticator is None:
        from hushflow.auth.service import AuthService

        authenticator = AuthService(database)
    app = FastAPI(
        title="hushflow",
        version=__version__,
        description="Kestra-format flows; secrets never leave in clear.",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
        dependencies=[Depends(no_nul)],
    )
    app.state.services = Services(
        database=database,
        authenticator=authenticator,
        engine=engine,
        secrets=secrets,
        settings=settings,
    )
    errors.install(app)
    for router in routers():
        app.include_router(router, prefix=f"{PREFIX}/{TENANT}")
        app.include_router(router, prefix=PREFIX, include_in_schema=False)
    _document_errors(app)
    return app


def _document_errors(app: FastAPI) -> None:
    """The OpenAPI document, with every error response as the JSON error shape."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = errors_as_json(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def routers() -> list[APIRouter]:
    """The router of every module in the list that exists."""
    found = []
    for name in ROUTER_MODULES:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # not built yet
            raise
        router = module.router
        if not isinstance(router, APIRouter):
            raise TypeError(f"{name}.router is not an APIRouter")
        found.append(router)
    return found
