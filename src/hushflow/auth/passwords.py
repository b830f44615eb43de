"""Password hashing with argon2id (argon2-cffi).

A password check costs the same whether the user exists or not (a dummy hash
is verified for unknown users), so sign-in timing does not reveal usernames.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hushflow.errors import InputError

MIN_LENGTH = 8
MAX_LENGTH = 1024


class Passwords:
    """Hash and verify; ``hasher`` lets tests use cheaper (still argon2id) parameters."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._dummy = self.hasher.hash("not a password of anyone")

    def hash(self, password: str) -> str:
        check_password(password)
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored``; ``None`` (no password) never matches."""
        try:
            return self.hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def check_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InputError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH or "\x00" in password:
        raise InputError(f"a password has at most {MAX_LENGTH} characters and no NUL characters")
    if password != password.strip():
        raise InputError("a password cannot start or end with white space")
