"""Checks every request passes before its route runs.

PostgreSQL cannot store a NUL character in text, so a NUL in a path or query
parameter would reach the database as an error (a 500); it is refused here
as bad input instead, whichever route it was sent to.
"""

from __future__ import annotations

from fastapi import Request

from hushflow.errors import HushflowError


class BadCharacters(HushflowError):
    status = 400


def no_nul(request: Request) -> None:
    """400 if the path or a query parameter holds a NUL character."""
    path = str(request.scope.get("path", ""))
    params = request.query_params.multi_items()
    if "\x00" in path or any("\x00" in k or "\x00" in v for k, v in params):
        raise BadCharacters("NUL characters are not allowed in paths or query parameters")


def no_nul_text(value: str | None) -> str | None:
    """A pydantic validator for stored text fields."""
    if value is not None and "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value
