"""``AuthService``: the one object the front doors use for identities and credentials.

It implements :class:`~hushflow.auth.authenticator.Authenticator` over the
database: argon2 passwords, hashed API tokens, server-side sessions, and
bindings (direct and through groups) resolved into a :class:`Principal`'s
grants. Permission checks themselves stay in ``authorize()``.

>>> auth = AuthService(open_database())            # doctest: +SKIP
>>> auth.bootstrap(os.environ).setup_token          # doctest: +SKIP
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from sqlalchemy import Engine

from hushflow.auth.api_tokens import ApiTokens, check_token_value
from hushflow.auth.directory import Directory
from hushflow.auth.errors import Conflict, Unauthenticated
from hushflow.auth.passwords import Passwords, check_password
from hushflow.auth.permissions import Principal
from hushflow.auth.records import (
    Binding,
    Bootstrap,
    IssuedSession,
    IssuedToken,
    RoleInfo,
    ServiceAccount,
    SubjectType,
    TokenInfo,
    User,
)
from hushflow.auth.roles import PermissionSpec, Roles
from hushflow.auth.sessions import DEFAULT_MAX_AGE, Sessions, check_csrf, csrf_token
from hushflow.errors import ConfigError, InputError, NotFound

ADMIN = "admin"
SETUP_TOKEN_NAME = "setup"
SETUP_TOKEN_AGE = timedelta(days=1)
BOOTSTRAP_TOKEN_ENV = "HUSHFLOW_BOOTSTRAP_ADMIN_TOKEN"
BOOTSTRAP_PASSWORD_ENV = "HUSHFLOW_BOOTSTRAP_ADMIN_PASSWORD"
_BAD_SIGN_IN = "wrong username or password"


class AuthService:
    """Users, service accounts, groups, roles, bindings, tokens and sessions in ``database``."""

    def __init__(
        self,
        database: Engine,
        *,
        hasher: PasswordHasher | None = None,
        session_max_age: timedelta = DEFAULT_MAX_AGE,
        trusted_proxies: Iterable[str] = (),
        proxy_auto_create: bool = False,
    ) -> None:
        self.engine = database
        self.passwords = Passwords(hasher)
        self.directory = Directory(database)
        self.roles = Roles(database)
        self.tokens = ApiTokens(database)
        self.sessions = Sessions(database, session_max_age)
        self.trusted_proxies = _networks(trusted_proxies)
        self.proxy_auto_create = proxy_auto_create

    # users

    def create_user(self, username: str, password: str | None = None, **fields: str | None) -> User:
        hashed = None if password is None else self.passwords.hash(password)
        return self.directory.create_user(username, password_hash=hashed, **fields)

    def set_password(self, user: str, password: str) -> User:
        found = self.directory.user(user)
        self.directory.update_user(found.id, password_hash=self.passwords.hash(password))
        self.sessions.close_user(found.id)
        return self.directory.user(found.id)

    def set_disabled(self, user: str, disabled: bool = True) -> User:
        """Disable (or enable) a user; a disabled user's sessions end at once."""
        found = self.directory.update_user(user, disabled=int(disabled))
        if disabled:
            self.sessions.close_user(found.id)
        return found

    def delete_user(self, user: str) -> User:
        found = self.directory.delete_user(user)
        self.roles.unbind_subject(SubjectType.USER, found.id)
        self.tokens.revoke_owner(SubjectType.USER, found.id)
        self.sessions.close_user(found.id)
        return found

    # service accounts

    def create_service_account(self, name: str, description: str | None = None) -> ServiceAccount:
        return self.directory.create_service_account(name, description)

    def delete_service_account(self, ref: str) -> ServiceAccount:
        found = self.directory.delete_service_account(ref)
        self.roles.unbind_subject(SubjectType.SERVICE_ACCOUNT, found.id)
        self.tokens.revoke_owner(SubjectType.SERVICE_ACCOUNT, found.id)
        return found

    # roles and bindings

    def create_role(self, name: str, spec: PermissionSpec, description: str = "") -> RoleInfo:
        return self.roles.create(name, spec, description)

    def subject_id(self, subject_type: SubjectType, ref: str) -> str:
        """The id of the user, group or service account ``ref`` (id or name)."""
        if subject_type is SubjectType.USER:
            return str(self.directory.user_row(ref).id)
        if subject_type is SubjectType.GROUP:
            return self.directory.group(ref).id
        return self.directory.service_account(ref).id

    def bind(
        self, subject_type: SubjectType, subject: str, role: str, namespace: str | None = None
    ) -> Binding:
        """Give ``role`` to a subject on ``namespace`` (``None``: instance-wide)."""
        return self.roles.bind(
            subject_type, self.subject_id(subject_type, subject), role, namespace
        )

    # API tokens

    def create_token(
        self,
        owner_type: SubjectType,
        owner: str,
        name: str,
        *,
        description: str | None = None,
        max_age: timedelta | None = None,
    ) -> IssuedToken:
        """A new token for a user or a service account; its value is in the result only."""
        if owner_type is SubjectType.GROUP:
            raise InputError("API tokens belong to a user or a service account, not a group")
        owner_id = self.subject_id(owner_type, owner)
        return self.tokens.issue(
            owner_type, owner_id, name, description=description, max_age=max_age
        )

    def revoke_token(self, token_id: str) -> TokenInfo:
        return self.tokens.revoke(token_id)

    # Authenticator

    def principal_for_token(self, token: str) -> Principal | None:
        info = self.tokens.match(token)
        if info is None:
            return None
        if info.owner_type is SubjectType.SERVICE_ACCOUNT:
            return self._service_principal(info.owner_id)
        return self.principal_for_user(info.owner_id)

    def principal_for_session(self, session_id: str) -> Principal | None:
        user_id = self.sessions.user_of(session_id)
        return None if user_id is None else self.principal_for_user(user_id)

    def principal_for_user(self, ref: str) -> Principal | None:
        """The principal of an enabled user (by id or username), grants resolved."""
        try:
            row = self.directory.user_row(ref)
        except NotFound:
            return None
        if row.disabled:
            return None
        groups = self.directory.group_rows_of(row.id)
        subjects = [(SubjectType.USER, row.id)] + [(SubjectType.GROUP, g) for g, _ in groups]
        grants = self.roles.grants(subjects)
        return Principal(row.id, row.username, "USER", grants, tuple(n for _, n in groups))

    def _service_principal(self, account_id: str) -> Principal | None:
        try:
            account = self.directory.service_account(account_id)
        except NotFound:
            return None
        if account.disabled:
            return None
        grants = self.roles.grants([(SubjectType.SERVICE_ACCOUNT, account.id)])
        return Principal(account.id, account.name, "SERVICE_ACCOUNT", grants)

    # sessions

    def sign_in(self, username: str, password: str) -> IssuedSession:
        """A new session for valid credentials; one message for every failure."""
        try:
            row = self.directory.user_row(username)
        except NotFound:
            self.passwords.verify(None, password)
            raise Unauthenticated(_BAD_SIGN_IN) from None
        if not self.passwords.verify(row.password_hash, password) or row.disabled:
            raise Unauthenticated(_BAD_SIGN_IN)
        self.sessions.purge_expired()  # sign-ins are rare enough to keep the table small
        return self.sessions.open(row.id)

    def sign_out(self, session_id: str) -> None:
        self.sessions.close(session_id)

    def csrf_token(self, session_id: str) -> str:
        return csrf_token(session_id)

    def check_csrf(self, session_id: str, presented: str | None) -> bool:
        return check_csrf(session_id, presented)

    # trusted proxy (SSO in front)

    def principal_for_proxy(
        self, header_value: str | None, client_address: str | None
    ) -> Principal | None:
        """The user a trusted proxy names in its header; ``None`` from any other address."""
        if not header_value or not client_address or not self._trusted(client_address):
            return None
        try:
            self.directory.user_row(header_value)
        except NotFound:
            if not self.proxy_auto_create:
                return None
            try:
                self.directory.create_user(header_value)
            except InputError:  # not a name hushflow accepts: nobody
                return None
            except Conflict:  # created meanwhile by another request
                pass
        return self.principal_for_user(header_value)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.trusted_proxies)

    # first start

    def bootstrap(self, env: Mapping[str, str] | None = None) -> Bootstrap:
        """Create the ``admin`` user when there is no user at all (see the module doc).

        ``HUSHFLOW_BOOTSTRAP_ADMIN_TOKEN`` becomes an API token of ``admin``;
        ``HUSHFLOW_BOOTSTRAP_ADMIN_PASSWORD`` its password; with neither, the
        result carries a one-time setup token for the server to print once.
        """
        env = os.environ if env is None else env
        token, password = env.get(BOOTSTRAP_TOKEN_ENV), env.get(BOOTSTRAP_PASSWORD_ENV)
        _check_bootstrap(token, password)
        if self.directory.count_users():
            return Bootstrap(False)
        try:
            admin = self.create_user(ADMIN, password or None)
        except Conflict:  # another process bootstrapped first
            return Bootstrap(False)
        self.roles.bind(SubjectType.USER, admin.id, ADMIN, None)
        if token:
            self.tokens.issue(SubjectType.USER, admin.id, "bootstrap", value=token)
        if token or password:
            return Bootstrap(True)
        setup = self.tokens.issue(
            SubjectType.USER, admin.id, SETUP_TOKEN_NAME, max_age=SETUP_TOKEN_AGE
        )
        return Bootstrap(True, setup.value)

    def complete_setup(self, setup_token: str, password: str) -> User:
        """Set the admin's password with the setup token, which is then revoked."""
        check_password(password)
        info = self.tokens.match(setup_token)
        if info is None or info.name != SETUP_TOKEN_NAME:
            raise Unauthenticated("the setup token is not valid (used already, or expired)")
        user = self.set_password(info.owner_id, password)
        self.tokens.revoke(info.id)
        return user


def _check_bootstrap(token: str | None, password: str | None) -> None:
    """Refuse weak bootstrap credentials before anything is created."""
    for name, value, check in (
        (BOOTSTRAP_PASSWORD_ENV, password, check_password),
        (BOOTSTRAP_TOKEN_ENV, token, check_token_value),
    ):
        if not value:
            continue
        try:
            check(value)
        except InputError as exc:
            raise ConfigError(f"{name}: {exc.message}") from None


def _networks(
    entries: Iterable[str],
) -> Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out = []
    for entry in entries:
        try:
            out.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ConfigError(
                f"trusted proxy '{entry}' is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from None
    return out


if TYPE_CHECKING:  # mypy proves the service is an Authenticator
    from hushflow.auth.authenticator import Authenticator

    _conforms: type[Authenticator] = AuthService
