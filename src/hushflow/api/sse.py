"""What the SSE streams send, declared once so OpenAPI documents each stream's events."""

from __future__ import annotations

from typing import Any

#: How often a stream polls the database for changes (seconds).
POLL = 0.2
#: A stream ends after this long even if the execution has not (seconds); clients reconnect.
MAX_STREAM = 3600.0


def sse_doc(event_schema: dict[str, Any], description: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` documenting a 200 ``text/event-stream`` whose ``data`` is ``event_schema``."""
    return {
        200: {
            "description": description,
            "content": {
                "text/event-stream": {
                    "itemSchema": {
                        "type": "object",
                        "properties": {
                            "event": {"type": "string"},
                            "data": {
                                "contentMediaType": "application/json",
                                "contentSchema": event_schema,
                            },
                            "id": {"type": "string"},
                        },
                        "required": ["data"],
                    }
                }
            },
        }
    }
