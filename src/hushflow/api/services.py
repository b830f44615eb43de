"""What the API works with, held by the app (never module globals).

:func:`hushflow.api.app.create_app` stores one :class:`Services` on
``app.state``; routes reach it through the :func:`services` dependency, so a
test builds an app over its own database and authenticator and two apps in
one process never share anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request
from sqlalchemy import Engine as Database

from hushflow.auth.authenticator import Authenticator

if TYPE_CHECKING:
    from hushflow.api.settings import ServerSettings
    from hushflow.engine.runner import Engine
    from hushflow.secrets.manager import SecretManager


@dataclass
class Services:
    """The database, the engine (``None`` on a web-only server), secrets and authentication."""

    database: Database
    authenticator: Authenticator
    engine: Engine | None = None
    secrets: SecretManager | None = None
    settings: ServerSettings | None = None
    extras: dict[str, object] = field(default_factory=dict)


def services(request: Request) -> Services:
    """FastAPI dependency: the app's services."""
    found = getattr(request.app.state, "services", None)
    if not isinstance(found, Services):
        raise RuntimeError("the app was not built by create_app")
    return found
