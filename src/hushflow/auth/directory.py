"""Users, service accounts and groups: who can be a principal or a binding's subject."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from hushflow.auth._rows import insert_unique
from hushflow.auth._time import utc
from hushflow.auth.errors import Conflict
from hushflow.auth.names import check_name, check_text, lookable
from hushflow.auth.records import Group, ServiceAccount, User
from hushflow.auth.secrets_util import new_id
from hushflow.errors import NotFound
from hushflow.models.state import now
from hushflow.storage.auth_tables import (
    auth_group_members,
    auth_groups,
    auth_service_accounts,
    auth_users,
)


class Directory:
    """Rows of people and machines; passwords are set through ``AuthService``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # users

    def create_user(
        self,
        username: str,
        *,
        password_hash: str | None = None,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> User:
        check_name("user", username)
        for field, value in (("email", email), ("firstName", first_name), ("lastName", last_name)):
            check_text(field, value)
        row_id = new_id()
        row = {
            "id": row_id,
            "username": username,
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "password_hash": password_hash,
            "disabled": 0,
            "created": now(),
            "updated": now(),
        }
        insert_unique(self.engine, auth_users, row, f"a user named '{username}' already exists")
        return self.user(row_id)

    def user_row(self, ref: str) -> Any:
        """The row of a user given by id or username; ``NotFound`` otherwise."""
        lookable(ref, f"user '{ref[:64]}'")
        t = auth_users.c
        with self.engine.connect() as conn:
            row = conn.execute(select(auth_users).where(t.id == ref)).first()
            if row is None:
                row = conn.execute(select(auth_users).where(t.username == ref)).first()
        if row is None:
            raise NotFound(f"user '{ref}' not found")
        return row

    def user(self, ref: str) -> User:
        row = self.user_row(ref)
        return _user(row, self.groups_of(row.id))

    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(auth_users).order_by(auth_users.c.username)).all()
        return [_user(r, self.groups_of(r.id)) for r in rows]

    def count_users(self) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(auth_users.c.id).limit(1)).all())

    def update_user(self, ref: str, **values: Any) -> User:
        row = self.user_row(ref)
        for field in ("email", "first_name", "last_name"):
            check_text(field, values.get(field))
        values["updated"] = now()
        with self.engine.begin() as conn:
            conn.execute(update(auth_users).where(auth_users.c.id == row.id).values(**values))
        return self.user(row.id)

    def delete_user(self, ref: str) -> User:
        found = self.user(ref)
        with self.engine.begin() as conn:
            conn.execute(delete(auth_users).where(auth_users.c.id == found.id))
            conn.execute(delete(auth_group_members).where(auth_group_members.c.user_id == found.id))
        return found

    # service accounts

    def create_service_account(self, name: str, description: str | None = None) -> ServiceAccount:
        check_name("service account", name)
        check_text("description", description, 4000)
        row_id = new_id()
        row = {
            "id": row_id,
            "name": name,
            "description": description,
            "disabled": 0,
            "created": now(),
        }
        insert_unique(
            self.engine,
            auth_service_accounts,
            row,
            f"a service account named '{name}' already exists",
        )
        return self.service_account(row_id)

    def service_account(self, ref: str) -> ServiceAccount:
        lookable(ref, f"service account '{ref[:64]}'")
        t = auth_service_accounts.c
        with self.engine.connect() as conn:
            row = conn.execute(select(auth_service_accounts).where(t.id == ref)).first()
            if row is None:
                row = conn.execute(select(auth_service_accounts).where(t.name == ref)).first()
        if row is None:
            raise NotFound(f"service account '{ref}' not found")
        return _service_account(row)

    def service_accounts(self) -> list[ServiceAccount]:
        query = select(auth_service_accounts).order_by(auth_service_accounts.c.name)
        with self.engine.connect() as conn:
            return [_service_account(r) for r in conn.execute(query)]

    def update_service_account(self, ref: str, **values: Any) -> ServiceAccount:
        found = self.service_account(ref)
        t = auth_service_accounts
        with self.engine.begin() as conn:
            conn.execute(update(t).where(t.c.id == found.id).values(**values))
        return self.service_account(found.id)

    def rename_service_account(
        self, ref: str, name: str, description: str | None
    ) -> ServiceAccount:
        found = self.service_account(ref)
        check_name("service account", name)
        check_text("description", description, 4000)
        t = auth_service_accounts
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    update(t).where(t.c.id == found.id).values(name=name, description=description)
                )
        except IntegrityError:
            raise Conflict(f"a service account named '{name}' already exists") from None
        return self.service_account(found.id)

    def delete_service_account(self, ref: str) -> ServiceAccount:
        found = self.service_account(ref)
        t = auth_service_accounts
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.id == found.id))
        return found

    # groups

    def create_group(self, name: str, description: str | None = None) -> Group:
        check_name("group", name)
        check_text("description", description, 4000)
        row_id = new_id()
        row = {"id": row_id, "name": name, "description": description, "created": now()}
        insert_unique(self.engine, auth_groups, row, f"a group named '{name}' already exists")
        return self.group(row_id)

    def group(self, ref: str) -> Group:
        lookable(ref, f"group '{ref[:64]}'")
        t = auth_groups.c
        with self.engine.connect() as conn:
            row = conn.execute(select(auth_groups).where(t.id == ref)).first()
            if row is None:
                row = conn.execute(select(auth_groups).where(t.name == ref)).first()
            if row is None:
                raise NotFound(f"group '{ref}' not found")
            members = conn.execute(
                select(auth_users.c.username)
                .join(auth_group_members, auth_group_members.c.user_id == auth_users.c.id)
                .where(auth_group_members.c.group_id == row.id)
                .order_by(auth_users.c.username)
            ).scalars()
            return Group(row.id, row.name, row.description, tuple(members))

    def groups(self) -> list[Group]:
        with self.engine.connect() as conn:
            ids = conn.execute(select(auth_groups.c.id).order_by(auth_groups.c.name)).scalars()
            return [self.group(i) for i in list(ids)]

    def delete_group(self, ref: str) -> Group:
        found = self.group(ref)
        with self.engine.begin() as conn:
            conn.execute(delete(auth_groups).where(auth_groups.c.id == found.id))
            conn.execute(
                delete(auth_group_members).where(auth_group_members.c.group_id == found.id)
            )
        return found

    def add_member(self, group: str, user: str) -> Group:
        g, u = self.group(group), self.user_row(user)
        if u.username not in g.members:
            with self.engine.begin() as conn:
                conn.execute(insert(auth_group_members).values(group_id=g.id, user_id=u.id))
        return self.group(g.id)

    def remove_member(self, group: str, user: str) -> Group:
        g, u = self.group(group), self.user_row(user)
        t = auth_group_members.c
        with self.engine.begin() as conn:
            conn.execute(delete(auth_group_members).where(t.group_id == g.id, t.user_id == u.id))
        return self.group(g.id)

    def group_rows_of(self, user_id: str) -> list[tuple[str, str]]:
        """``(id, name)`` of each group the user belongs to."""
        query = (
            select(auth_groups.c.id, auth_groups.c.name)
            .join(auth_group_members, auth_group_members.c.group_id == auth_groups.c.id)
            .where(auth_group_members.c.user_id == user_id)
            .order_by(auth_groups.c.name)
        )
        with self.engine.connect() as conn:
            return [(r.id, r.name) for r in conn.execute(query)]

    def groups_of(self, user_id: str) -> tuple[str, ...]:
        return tuple(name for _, name in self.group_rows_of(user_id))


def _user(row: Any, groups: tuple[str, ...]) -> User:
    return User(
        row.id,
        row.username,
        row.email,
        row.first_name,
        row.last_name,
        bool(row.disabled),
        row.password_hash is not None,
        utc(row.created),
        groups,
    )


def _service_account(row: Any) -> ServiceAccount:
    return ServiceAccount(row.id, row.name, row.description, bool(row.disabled), utc(row.created))
