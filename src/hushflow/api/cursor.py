"""Opaque keyset cursors: ``(created, id)`` of the last row a page showed."""

from __future__ import annotations

import base64
from datetime import datetime

from hushflow.errors import HushflowError


class BadCursor(HushflowError):
    status = 400


_NOT_OURS = "'after' is not a cursor this server gave out; pass the 'next' of the previous page"


def encode(key: tuple[datetime, str] | None) -> str | None:
    """The cursor for ``key`` (``None`` when there is no next page)."""
    if key is None:
        return None
    raw = f"{key[0].isoformat()}|{key[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None) -> tuple[datetime, str] | None:
    """The key a cursor stands for; 400 if it is not one of ours."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, last_id = raw.partition("|")
        parsed = datetime.fromisoformat(when)
    except ValueError:
        raise BadCursor(
            "'after' is not a cursor this server gave out; use the 'next' value"
        ) from None
    if not last_id or parsed.tzinfo is None:
        raise BadCursor("'after' is not a cursor this server gave out; use the 'next' value")
    return parsed, last_id
