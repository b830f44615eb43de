"""Server-side browser sessions: a random id in an HttpOnly cookie, its digest in the database.

The CSRF token of a session is derived from the session id with an HMAC, so
it is never stored, differs per session, and does not reveal the id.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, delete, insert, select

from hushflow.auth._time import utc, utcnow
from hushflow.auth.records import IssuedSession
from hushflow.auth.secrets_util import derived, digest, new_token, same
from hushflow.storage.auth_tables import auth_sessions

DEFAULT_MAX_AGE = timedelta(hours=8)
_CSRF = "hushflow csrf v1"


def csrf_token(session_id: str) -> str:
    return derived(session_id, _CSRF)


class Sessions:
    def __init__(self, engine: Engine, max_age: timedelta = DEFAULT_MAX_AGE) -> None:
        self.engine = engine
        self.max_age = max_age

    def open(self, user_id: str) -> IssuedSession:
        session_id = new_token()
        created = utcnow()
        expires = created + self.max_age
        with self.engine.begin() as conn:
            conn.execute(
                insert(auth_sessions).values(
                    id_hash=digest(session_id), user_id=user_id, created=created, expires=expires
                )
            )
        return IssuedSession(user_id, expires, session_id, csrf_token(session_id))

    def user_of(self, session_id: str) -> str | None:
        """The user id of a live session, else ``None`` (an expired one is removed)."""
        wanted = digest(session_id)
        t = auth_sessions.c
        with self.engine.connect() as conn:
            row = conn.execute(select(auth_sessions).where(t.id_hash == wanted)).first()
        if row is None or not same(row.id_hash, wanted):
            return None
        expires = utc(row.expires)
        if expires is None or expires <= utcnow():
            self.close(session_id)
            return None
        return str(row.user_id)

    def close(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(auth_sessions).where(auth_sessions.c.id_hash == digest(session_id)))

    def close_user(self, user_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(auth_sessions).where(auth_sessions.c.user_id == user_id))

    def purge_expired(self) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(delete(auth_sessions).where(auth_sessions.c.expires <= utcnow()))
        return int(result.rowcount or 0)


def check_csrf(session_id: str, presented: str | None) -> bool:
    """Whether ``presented`` is the session's CSRF token (constant-time)."""
    return presented is not None and same(csrf_token(session_id), presented)
