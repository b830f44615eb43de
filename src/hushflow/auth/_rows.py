"""Row helpers shared by the auth repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Table, insert
from sqlalchemy.exc import IntegrityError

from hushflow.auth.errors import Conflict


def insert_unique(engine: Engine, table: Table, row: dict[str, Any], taken: str) -> None:
    """Insert ``row``; a unique name already taken is a :class:`Conflict` saying ``taken``."""
    try:
        with engine.begin() as conn:
            conn.execute(insert(table).values(**row))
    except IntegrityError:
        raise Conflict(taken) from None
