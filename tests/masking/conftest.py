"""Fixtures for the masker tests: every available engine, and fake secrets."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest

from hushflow.masking import Masker, available_engines


@pytest.fixture(params=available_engines())
def engine(request: pytest.FixtureRequest) -> str:
    """Each matching engine this machine has; every behaviour must hold on all of them."""
    return str(request.param)


@pytest.fixture
def make_masker(engine: str) -> Callable[..., Masker]:
    def make(*values: str, **options: object) -> Masker:
        masker = Masker(engine=engine, **options)  # type: ignore[arg-type]
        masker.add_all(values)
        return masker

    return make


def _fake_secret(prefix: str = "fk") -> str:
    return f"{prefix}-{secrets.token_urlsafe(18)}"


@pytest.fixture
def fake() -> Callable[..., str]:
    """Makes fresh fake credentials: never a real one, never the same twice."""
    return _fake_secret
