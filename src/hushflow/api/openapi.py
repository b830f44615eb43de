"""The statuses a route can answer, declared for OpenAPI with the error shape."""

from __future__ import annotations

from typing import Any

from hushflow.api.errors import ErrorBody

_WHY = {
    400: "The request cannot be carried out as sent",
    401: "No valid credentials",
    403: "The caller may not do this",
    404: "Not found (or not visible to the caller)",
    409: "Conflicts with the current state",
    422: "The request body or parameters are not valid",
    503: "The server has no engine to run this",
}

#: What every authenticated route can answer.
COMMON = (400, 401, 403, 404, 422)


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status with the error shape.

    With no argument, :data:`COMMON`.
    """
    return {c: {"model": ErrorBody, "description": _WHY[c]} for c in (codes or COMMON)}
