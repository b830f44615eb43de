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


ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


#: What any route that reads credentials or parameters can answer.
ANY_ROUTE = (400, 401, 422)


def errors_as_json(document: dict[str, Any]) -> dict[str, Any]:
    """Every operation declares 400/401/422, and every 4xx/5xx is the JSON error shape.

    FastAPI files a route's declared responses under the route's own media
    type; for a streaming route that would claim its 404 is an event stream.
    """
    for item in document.get("paths", {}).values():
        for operation in item.values():
            answers = operation.setdefault("responses", {})
            if operation.get("security") or operation.get("parameters"):
                for code in ANY_ROUTE:
                    answers.setdefault(str(code), {"description": _WHY[code]})
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                answers.setdefault("404", {"description": _WHY[404]})
            for status, response in answers.items():
                if str(status)[0] in "45":
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
    return document
