"""``GET /health`` (open) and ``GET /me`` (who the credentials say you are)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from hushflow import __version__
from hushflow.api.security import CurrentPrincipal

router = APIRouter(tags=["Misc"])


class Health(BaseModel):
    status: str
    version: str


class Me(BaseModel):
    id: str
    name: str
    kind: str


@router.get("/health", response_model=Health)
def health() -> Health:
    """Whether the server answers (no credentials needed)."""
    return Health(status="UP", version=__version__)


@router.get("/me", response_model=Me, responses={401: {}})
def me(principal: CurrentPrincipal) -> Me:
    """The caller, as the credentials sent identify it."""
    return Me(id=principal.id, name=principal.name, kind=principal.kind)
