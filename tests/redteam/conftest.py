"""Red-team tests reuse the engine fixtures (a real database, a real Engine)."""

from tests.engine.conftest import database, run_flow  # noqa: F401
