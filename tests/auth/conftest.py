"""An ``AuthService`` on each real database, and the API over it (``api_fixtures``)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from tests.auth.api_fixtures import CHEAP, anyio_backend, iam, iam_any_db, served

from hushflow.auth.service import AuthService

__all__ = ["CHEAP", "anyio_backend", "iam", "iam_any_db", "served"]


@pytest.fixture
def auth(engine: Engine) -> AuthService:
    return AuthService(engine, hasher=CHEAP)
