"""Timestamps: everything is UTC; SQLite hands datetimes back naive."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def utcnow() -> datetime:
    return datetime.now(UTC)
