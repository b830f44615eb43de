"""Loading an execution for a route, with the permission check that hides it.

A dependency (not code inside the route) so that streaming routes refuse
before the stream starts: an SSE response cannot turn into a 404 later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from sqlalchemy import Engine as Database

from hushflow.api.security import CurrentPrincipal, ServicesDep
from hushflow.auth.authorize import authorize
from hushflow.auth.permissions import Action, Principal, Resource
from hushflow.errors import HushflowError, NotFound
from hushflow.models.execution import Execution
from hushflow.storage.repository import ExecutionRepository


class Conflict(HushflowError):
    """The request conflicts with the object's current state."""

    status = 409


class NoEngine(HushflowError):
    """This server runs no engine (a web-only process)."""

    status = 503


def load(database: Database, execution_id: str) -> Execution:
    """The stored execution (masked), or 404."""
    return ExecutionRepository(database).get(execution_id)


def checked(principal: Principal, execution: Execution, action: Action) -> Execution:
    """``execution`` if the caller may do ``action`` on it; 404 if it may not even see it."""
    authorize(principal, Resource.EXECUTION, action, execution.namespace, hide=True)
    return execution


def execution_for(action: Action) -> Callable[..., Execution]:
    """A dependency: the path's ``executionId``, loaded and checked for ``action``."""

    def dependency(
        executionId: str,
        principal: CurrentPrincipal,
        svc: ServicesDep,
    ) -> Execution:
        try:
            found = load(svc.database, executionId)
        except NotFound:
            raise NotFound(f"execution '{executionId}' not found") from None
        return checked(principal, found, action)

    return dependency


ViewedExecution = Annotated[Execution, Depends(execution_for(Action.VIEW))]
