"""Custom roles and bindings, and how a subject's bindings become its grants.

Managed roles (``MANAGED_ROLES``) live in code, with their name as id; they
cannot be created, changed or deleted here. A custom role's permissions are
validated against ``RESOURCE_ACTIONS`` when it is saved, so a typo is an
error at once, not a permission that silently never matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, delete, insert, or_, select, update

from hushflow.auth._rows import insert_unique
from hushflow.auth._time import utc
from hushflow.auth.errors import Conflict
from hushflow.auth.names import check_name, check_namespace, check_text, lookable
from hushflow.auth.permissions import (
    MANAGED_ROLES,
    RESOURCE_ACTIONS,
    Action,
    Grant,
    Resource,
    Role,
    permissions,
)
from hushflow.auth.records import Binding, RoleInfo, SubjectType
from hushflow.auth.secrets_util import new_id
from hushflow.errors import InputError, NotFound
from hushflow.models.state import now
from hushflow.storage.auth_tables import auth_bindings, auth_roles

PermissionSpec = Mapping[str, Iterable[str]]


def parse_permissions(spec: PermissionSpec) -> dict[Resource, set[Action]]:
    """``{"FLOW": ["VIEW", ...]}`` as typed data; unknown names are a clear error."""
    out: dict[Resource, set[Action]] = {}
    for res_name, action_names in spec.items():
        try:
            resource = Resource(str(res_name).upper())
        except ValueError:
            known = ", ".join(r.value for r in Resource)
            raise InputError(f"unknown resource '{res_name}'; known: {known}") from None
        actions = out.setdefault(resource, set())
        for name in action_names:
            allowed = RESOURCE_ACTIONS[resource]
            action = Action.__members__.get(str(name).upper())
            if action is None or action not in allowed:
                known = ", ".join(sorted(a.value for a in allowed))
                raise InputError(f"{resource.value} has no action '{name}'; known: {known}")
            actions.add(action)
    return out


def spec_of(role: Role) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for resource, action in role.permissions:
        out.setdefault(resource.value, []).append(action.value)
    return {k: sorted(v) for k, v in sorted(out.items())}


class Roles:
    """Custom roles (rows) beside the managed ones (code), and bindings to either."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # roles

    def create(self, name: str, spec: PermissionSpec, description: str = "") -> RoleInfo:
        check_name("role", name)
        if name in MANAGED_ROLES:
            raise Conflict(f"'{name}' is a managed role; choose another name")
        typed = parse_permissions(spec)
        check_text("description", description, 4000)
        role_id = new_id()
        row = {
            "id": role_id,
            "name": name,
            "description": description,
            "permissions": _json(typed),
            "created": now(),
            "updated": now(),
        }
        insert_unique(self.engine, auth_roles, row, f"a role named '{name}' already exists")
        return self.info(role_id)

    def update(
        self,
        ref: str,
        spec: PermissionSpec | None = None,
        description: str | None = None,
        name: str | None = None,
    ) -> RoleInfo:
        role_id = self._custom_id(ref, "changed")
        values: dict[str, Any] = {"updated": now()}
        if name is not None and name != self._row(role_id).name:
            if name in MANAGED_ROLES or self._exists(name):
                raise Conflict(f"a role named '{name}' already exists")
            values["name"] = check_name("role", name)
        if spec is not None:
            values["permissions"] = _json(parse_permissions(spec))
        if description is not None:
            values["description"] = check_text("description", description, 4000)
        with self.engine.begin() as conn:
            conn.execute(update(auth_roles).where(auth_roles.c.id == role_id).values(**values))
        return self.info(role_id)

    def delete(self, ref: str) -> RoleInfo:
        role_id = self._custom_id(ref, "deleted")
        found = self.info(role_id)
        with self.engine.connect() as conn:
            used = conn.execute(
                select(auth_bindings.c.id).where(auth_bindings.c.role_id == role_id).limit(1)
            ).first()
        if used is not None:
            raise Conflict(f"role '{found.name}' is used by bindings; delete them first")
        with self.engine.begin() as conn:
            conn.execute(delete(auth_roles).where(auth_roles.c.id == role_id))
        return found

    def _custom_id(self, ref: str, verb: str) -> str:
        if ref in MANAGED_ROLES:
            raise Conflict(f"'{ref}' is a managed role and cannot be {verb}")
        return str(self._row(ref).id)

    def _exists(self, name: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(select(auth_roles.c.id).where(auth_roles.c.name == name)).first()
        return found is not None

    def _row(self, ref: str) -> Any:
        lookable(ref, f"role '{ref[:64]}'")
        t = auth_roles.c
        with self.engine.connect() as conn:
            row = conn.execute(select(auth_roles).where(or_(t.id == ref, t.name == ref))).first()
        if row is None:
            raise NotFound(f"role '{ref}' not found")
        return row

    def role(self, ref: str) -> Role:
        """The role ``ref`` names (id or name), managed or custom."""
        if ref in MANAGED_ROLES:
            return MANAGED_ROLES[ref]
        return _role(self._row(ref))

    def info(self, ref: str) -> RoleInfo:
        if ref in MANAGED_ROLES:
            return _info(ref, MANAGED_ROLES[ref])
        row = self._row(ref)
        return _info(row.id, _role(row))

    def all(self) -> list[RoleInfo]:
        managed = [_info(name, role) for name, role in MANAGED_ROLES.items()]
        with self.engine.connect() as conn:
            rows = conn.execute(select(auth_roles).order_by(auth_roles.c.name)).all()
        return managed + [_info(r.id, _role(r)) for r in rows]

    # bindings

    def bind(
        self, subject_type: SubjectType, subject_id: str, role: str, namespace: str | None
    ) -> Binding:
        check_namespace(namespace)
        role_id = role if role in MANAGED_ROLES else str(self._row(role).id)
        binding_id = new_id()
        row = {
            "id": binding_id,
            "subject_type": subject_type.value,
            "subject_id": subject_id,
            "role_id": role_id,
            "namespace": namespace,
            "created": now(),
        }
        with self.engine.begin() as conn:
            conn.execute(insert(auth_bindings).values(**row))
        return self.binding(binding_id)

    def binding(self, binding_id: str) -> Binding:
        lookable(binding_id, f"binding '{binding_id[:64]}'")
        with self.engine.connect() as conn:
            row = conn.execute(
                select(auth_bindings).where(auth_bindings.c.id == binding_id)
            ).first()
        if row is None:
            raise NotFound(f"binding '{binding_id}' not found")
        return _binding(row)

    def bindings(
        self,
        subject_type: SubjectType | None = None,
        subject_id: str | None = None,
        namespace: str | None = None,
    ) -> list[Binding]:
        t = auth_bindings.c
        query = select(auth_bindings).order_by(t.created, t.id)
        if subject_type is not None:
            query = query.where(t.subject_type == subject_type.value)
        if subject_id is not None:
            query = query.where(t.subject_id == subject_id)
        if namespace is not None:
            query = query.where(t.namespace == check_namespace(namespace))
        with self.engine.connect() as conn:
            return [_binding(r) for r in conn.execute(query)]

    def unbind(self, binding_id: str) -> Binding:
        found = self.binding(binding_id)
        with self.engine.begin() as conn:
            conn.execute(delete(auth_bindings).where(auth_bindings.c.id == binding_id))
        return found

    def unbind_subject(self, subject_type: SubjectType, subject_id: str) -> None:
        t = auth_bindings.c
        with self.engine.begin() as conn:
            conn.execute(
                delete(auth_bindings).where(
                    t.subject_type == subject_type.value, t.subject_id == subject_id
                )
            )

    def grants(self, subjects: Sequence[tuple[SubjectType, str]]) -> tuple[Grant, ...]:
        """Every role the subjects hold, with its namespace (one query for all bindings)."""
        if not subjects:
            return ()
        t = auth_bindings.c
        match = [(t.subject_type == kind.value) & (t.subject_id == sid) for kind, sid in subjects]
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.role_id, t.namespace).where(or_(*match))).all()
            custom_ids = {r.role_id for r in rows if r.role_id not in MANAGED_ROLES}
            custom = {
                r.id: _role(r)
                for r in conn.execute(select(auth_roles).where(auth_roles.c.id.in_(custom_ids)))
            }
        roles = {**MANAGED_ROLES, **custom}
        found = {Grant(roles[r.role_id], r.namespace) for r in rows if r.role_id in roles}
        return tuple(sorted(found, key=lambda g: (g.role.name, g.namespace or "")))


def _json(typed: dict[Resource, set[Action]]) -> dict[str, list[str]]:
    return {r.value: sorted(a.value for a in acts) for r, acts in sorted(typed.items())}


def _role(row: Any) -> Role:
    typed = {Resource(k): {Action(a) for a in v} for k, v in dict(row.permissions).items()}
    return Role(row.name, permissions(typed), row.description or "")


def _info(role_id: str, role: Role) -> RoleInfo:
    return RoleInfo(role_id, role.name, role.description, spec_of(role), role.managed)


def _binding(row: Any) -> Binding:
    return Binding(
        row.id,
        SubjectType(row.subject_type),
        row.subject_id,
        row.role_id,
        row.namespace,
        utc(row.created),
    )
