"""Errors of the auth layer that ``hushflow.errors`` has no type for."""

from __future__ import annotations

from hushflow.errors import HushflowError


class Conflict(HushflowError):
    """The name is taken, or the change would break something that depends on it."""

    status = 409


class Unauthenticated(HushflowError):
    """No valid credentials (wrong password, unknown or expired token)."""

    status = 401
    exit_code = 1
