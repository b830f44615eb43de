"""API tokens: issued once, stored as a SHA-256 digest with a visible prefix, revocable.

``last_used`` is written at most once a minute per token, so a busy client
does not turn every request into a database write.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from hushflow.auth._rows import insert_unique
from hushflow.auth._time import utc, utcnow
from hushflow.auth.names import check_name, check_text, lookable
from hushflow.auth.records import IssuedToken, SubjectType, TokenInfo
from hushflow.auth.secrets_util import digest, new_id, new_token, same, visible_prefix
from hushflow.errors import InputError, NotFound
from hushflow.storage.auth_tables import auth_api_tokens

LAST_USED_GRANULARITY = timedelta(seconds=60)
MIN_TOKEN_CHARS = 24


class ApiTokens:
    """The token rows; matching a presented token is :meth:`match`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def issue(
        self,
        owner_type: SubjectType,
        owner_id: str,
        name: str,
        *,
        description: str | None = None,
        max_age: timedelta | None = None,
        value: str | None = None,
    ) -> IssuedToken:
        """A new token (``value`` only for the bootstrap token the operator chose)."""
        check_name("token", name)
        check_text("description", description, 4000)
        if max_age is not None and max_age <= timedelta(0):
            raise InputError("a token's max age must be positive")
        if value is not None:
            check_token_value(value)
        value = value or new_token()
        created = utcnow()
        token_id = new_id()
        row = {
            "id": token_id,
            "owner_type": owner_type.value,
            "owner_id": owner_id,
            "name": name,
            "description": description,
            "prefix": visible_prefix(value),
            "token_hash": digest(value),
            "created": created,
            "expires": None if max_age is None else created + max_age,
            "last_used": None,
            "revoked": None,
        }
        insert_unique(self.engine, auth_api_tokens, row, "this token value is already in use")
        return IssuedToken(self.get(token_id), value)

    def get(self, token_id: str) -> TokenInfo:
        lookable(token_id, f"API token '{token_id[:64]}'")
        with self.engine.connect() as conn:
            row = conn.execute(
                select(auth_api_tokens).where(auth_api_tokens.c.id == token_id)
            ).first()
        if row is None:
            raise NotFound(f"API token '{token_id}' not found")
        return _info(row)

    def all(
        self, owner_type: SubjectType | None = None, owner_id: str | None = None
    ) -> list[TokenInfo]:
        t = auth_api_tokens.c
        query = select(auth_api_tokens).order_by(t.created, t.id)
        if owner_type is not None:
            query = query.where(t.owner_type == owner_type.value)
        if owner_id is not None:
            query = query.where(t.owner_id == owner_id)
        with self.engine.connect() as conn:
            return [_info(r) for r in conn.execute(query)]

    def revoke(self, token_id: str) -> TokenInfo:
        found = self.get(token_id)
        if found.revoked is None:
            t = auth_api_tokens
            with self.engine.begin() as conn:
                conn.execute(update(t).where(t.c.id == token_id).values(revoked=utcnow()))
        return self.get(token_id)

    def revoke_owner(self, owner_type: SubjectType, owner_id: str) -> None:
        t = auth_api_tokens.c
        with self.engine.begin() as conn:
            conn.execute(
                update(auth_api_tokens)
                .where(
                    t.owner_type == owner_type.value, t.owner_id == owner_id, t.revoked.is_(None)
                )
                .values(revoked=utcnow())
            )

    def match(self, value: str) -> TokenInfo | None:
        """The live token whose digest is ``value``'s, else ``None``; touches ``last_used``."""
        wanted = digest(value)
        t = auth_api_tokens.c
        with self.engine.connect() as conn:
            row = conn.execute(select(auth_api_tokens).where(t.token_hash == wanted)).first()
        if row is None or not same(row.token_hash, wanted):
            return None
        info = _info(row)
        at = utcnow()
        if info.revoked is not None or (info.expires is not None and info.expires <= at):
            return None
        self._touch(info, at)
        return info

    def _touch(self, info: TokenInfo, at: datetime) -> None:
        if info.last_used is not None and at - info.last_used < LAST_USED_GRANULARITY:
            return
        with self.engine.begin() as conn:
            conn.execute(
                update(auth_api_tokens).where(auth_api_tokens.c.id == info.id).values(last_used=at)
            )


def check_token_value(value: str) -> None:
    """A token chosen by an operator must be long and printable."""
    if len(value) < MIN_TOKEN_CHARS or not value.isprintable() or value != value.strip():
        raise InputError(
            f"a token needs at least {MIN_TOKEN_CHARS} printable characters, no surrounding spaces"
        )


def _info(row: Any) -> TokenInfo:
    return TokenInfo(
        row.id,
        SubjectType(row.owner_type),
        row.owner_id,
        row.name,
        row.prefix,
        row.description,
        utc(row.created),
        utc(row.expires),
        utc(row.last_used),
        utc(row.revoked),
    )
