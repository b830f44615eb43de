"""Checks every request passes before its route runs.

PostgreSQL cannot store a NUL character in text, so a NUL in a path or query
parameter would reach the database as an error (a 500); it is answered here
instead, whichever route it was sent to: a path naming such a thing names
nothing (404), a query parameter holding one is not valid (422).
"""

from __future__ import annotations

from fastapi import Request

from hushflow.errors import HushflowError, NotFound


class BadCharacters(HushflowError):
    status = 422


def no_nul(request: Request) -> None:
    """404 if the path holds a NUL character, 422 if a query parameter does."""
    if "\x00" in str(request.scope.get("path", "")):
        raise NotFound("nothing has a name with a NUL character")
    if any("\x00" in k or "\x00" in v for k, v in request.query_params.multi_items()):
        raise BadCharacters("NUL characters are not allowed in query parameters")


def no_nul_text(value: str | None) -> str | None:
    """A pydantic validator for stored text fields."""
    if value is not None and "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value
