"""Random credentials, their digests, and constant-time comparison.

API tokens and session ids are 32 random bytes; only their SHA-256 digest is
stored, so reading the database does not give anyone a working credential. A
SHA-256 of 256 random bits needs no salt or slow hash (a password does: see
``passwords``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TOKEN_PREFIX = "hf_"
PREFIX_CHARS = 8


def new_token() -> str:
    """``hf_`` followed by 32 random bytes, base64url without padding (43 characters)."""
    raw = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    return TOKEN_PREFIX + raw


def visible_prefix(token: str) -> str:
    """What may be shown of a token: ``hf_`` and 5 characters (a few bits of 256)."""
    if token.startswith(TOKEN_PREFIX):
        return token[:PREFIX_CHARS]
    return token[:4]


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time equality of two strings."""
    return hmac.compare_digest(a.encode(), b.encode())


def new_id() -> str:
    return secrets.token_hex(16)


def derived(secret: str, purpose: str) -> str:
    """A value bound to ``secret`` that does not reveal it (a session's CSRF token)."""
    mac = hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
