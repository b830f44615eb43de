"""An ``AuthService`` on each real database, with cheap (still argon2id) password hashing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from hushflow.auth.service import AuthService

CHEAP = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


@pytest.fixture
def auth(engine: Engine) -> AuthService:
    return AuthService(engine, hasher=CHEAP)
