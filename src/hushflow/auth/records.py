"""What the auth layer hands out: users, service accounts, groups, roles, bindings, tokens.

None of these carries a password, a token or a session id, except
:class:`IssuedToken` and :class:`IssuedSession`, which exist only to give the
caller the value once and hide it in ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

HIDDEN = "**********"


class SubjectType(StrEnum):
    """Who a binding or an API token belongs to."""

    USER = "USER"
    GROUP = "GROUP"
    SERVICE_ACCOUNT = "SERVICE_ACCOUNT"


@dataclass(frozen=True)
class User:
    id: str
    username: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    disabled: bool = False
    has_password: bool = False
    created: datetime | None = None
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceAccount:
    id: str
    name: str
    description: str | None = None
    disabled: bool = False
    created: datetime | None = None


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    description: str | None = None
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoleInfo:
    """A role as listed: ``permissions`` maps each resource to its actions."""

    id: str
    name: str
    description: str
    permissions: dict[str, list[str]]
    managed: bool


@dataclass(frozen=True)
class Binding:
    id: str
    subject_type: SubjectType
    subject_id: str
    role_id: str
    namespace: str | None
    created: datetime | None = None


@dataclass(frozen=True)
class TokenInfo:
    """An API token's metadata: its prefix identifies it, its value is never kept."""

    id: str
    owner_type: SubjectType
    owner_id: str
    name: str
    prefix: str
    description: str | None = None
    created: datetime | None = None
    expires: datetime | None = None
    last_used: datetime | None = None
    revoked: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None


@dataclass(frozen=True)
class IssuedToken:
    """A new API token: ``value`` is shown to its owner once and never stored."""

    info: TokenInfo
    value: str = field(repr=False)

    def __repr__(self) -> str:
        return f"IssuedToken(info={self.info!r}, value={HIDDEN!r})"

    __str__ = __repr__


@dataclass(frozen=True)
class IssuedSession:
    """A new browser session: the cookie value and its CSRF token, hidden in ``repr``."""

    user_id: str
    expires: datetime
    session_id: str = field(repr=False)
    csrf_token: str = field(repr=False)

    def __repr__(self) -> str:
        return f"IssuedSession(user_id={self.user_id!r}, expires={self.expires!r})"

    __str__ = __repr__


@dataclass(frozen=True)
class Bootstrap:
    """What the first start did: ``setup_token`` is set only when it must be printed once."""

    created: bool
    setup_token: str | None = field(default=None, repr=False)
