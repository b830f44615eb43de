"""Request bodies that are not JSON: YAML flow sources and text expressions."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from hushflow.errors import HushflowError

#: The largest flow source or expression the API reads (bytes).
MAX_TEXT_BODY = 1024 * 1024


class BadBody(HushflowError):
    """The body cannot be read as text."""

    status = 400


async def text_body(request: Request) -> str:
    """The body as UTF-8 text (YAML source, or an expression)."""
    raw = await request.body()
    if len(raw) > MAX_TEXT_BODY:
        raise BadBody(f"the body is larger than {MAX_TEXT_BODY} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody("the body is not UTF-8 text") from None


def text_body_doc(media_type: str) -> dict[str, Any]:
    """``openapi_extra`` declaring a required text body of ``media_type``."""
    return {
        "requestBody": {
            "required": True,
            "content": {media_type: {"schema": {"type": "string"}}},
        }
    }


YAML_BODY = text_body_doc("application/x-yaml")
TEXT_BODY = text_body_doc("text/plain")
