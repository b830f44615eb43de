"""How a front door turns a request's credentials into a :class:`Principal`.

The API and the UI depend on this protocol only; ``hushflow.auth.service``
implements it over the repository (argon2 passwords, hashed API tokens,
server-side sessions, bindings resolved into grants).
"""

from __future__ import annotations

from typing import Protocol

from hushflow.auth.permissions import Principal


class Authenticator(Protocol):
    """Resolves credentials; ``None`` means "not signed in" (the caller answers 401)."""

    def principal_for_token(self, token: str) -> Principal | None:
        """The principal an ``Authorization: Bearer`` API token belongs to, if valid."""
        ...

    def principal_for_session(self, session_id: str) -> Principal | None:
        """The principal of a signed-in browser session, if valid and not expired."""
        ...
