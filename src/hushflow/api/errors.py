"""One JSON shape for every failure the API answers: ``{"message", "status", "details"}``.

Handlers are registered for our :class:`~hushflow.errors.HushflowError` tree
(its ``status`` is the HTTP status), for request validation (422), for
Starlette's HTTP errors (404 on an unknown path, 405...) and, last, for any
other exception: a 500 whose message says nothing about the code. No response
carries a stack trace, and a validation detail never echoes the input it
rejected (that input may be a secret value sent to the wrong field).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from hushflow.errors import ExpressionError, FlowValidationError, HushflowError

log = logging.getLogger("hushflow.api")


class ErrorDetail(BaseModel):
    """One problem: what, and where (a request field's path, or a YAML line and column)."""

    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None


class ErrorBody(BaseModel):
    """The body of every error response."""

    message: str
    status: int
    details: list[ErrorDetail] = Field(default_factory=list)


def error_response(
    status: int,
    message: str,
    details: Sequence[ErrorDetail] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The error shape as a response."""
    body = ErrorBody(message=message, status=status, details=list(details))
    content = body.model_dump(mode="json")
    return JSONResponse(content, status_code=status, headers=dict(headers or {}))


def details_of(exc: HushflowError) -> list[ErrorDetail]:
    """Positioned details for the errors that carry positions."""
    if isinstance(exc, FlowValidationError):
        return [
            ErrorDetail(
                message=msg,
                line=loc.line if loc else None,
                column=loc.column if loc else None,
            )
            for loc, msg in exc.problems
        ]
    if isinstance(exc, ExpressionError) and exc.line is not None:
        return [ErrorDetail(message=exc.message, line=exc.line, column=exc.column)]
    return []


async def _hushflow_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HushflowError)
    return error_response(exc.status, exc.message, details_of(exc))


def _field_path(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        ErrorDetail(message=str(err.get("msg", "invalid")), path=_field_path(err.get("loc", ())))
        for err in exc.errors()
    ]
    return error_response(422, "the request is not valid; see details", details)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "request refused"
    return error_response(exc.status_code, message, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The type only: an exception's text may quote data we must not print.
    log.error("%s %s failed: %s", request.method, request.url.path, type(exc).__name__)
    return error_response(500, "internal error; the server log names the failure")


def install(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    app.add_exception_handler(HushflowError, _hushflow_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
