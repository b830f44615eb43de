"""Users, service accounts, roles, bindings and API tokens as Kestra's JSON.

Field names follow Kestra's IAM API (``IAMUserControllerApiUser``,
``ApiToken``, ``IAMBindingControllerApiBindingDetail``...), so its clients'
models validate them. No shape carries a password hash or a token digest;
only :func:`token_created` carries a token, once, to its owner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hushflow.auth.records import (
    Binding,
    IssuedToken,
    RoleInfo,
    ServiceAccount,
    SubjectType,
    TokenInfo,
    User,
)

Json = dict[str, Any]
TENANT = {"id": "main", "name": "main"}


def _date(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when is not None else None


def _display(user: User) -> str:
    full = " ".join(p for p in (user.first_name, user.last_name) if p)
    return full or user.username


def user_json(user: User) -> Json:
    return {
        "id": user.id,
        "username": user.username,
        "displayName": _display(user),
        "firstName": user.first_name,
        "lastName": user.last_name,
        "email": user.email,
        "tenants": [TENANT],
        "auths": [{"id": "password", "name": "password", "type": "PASSWORD"}]
        if user.has_password
        else [],
        "groups": [{"id": g, "tenantId": "main"} for g in user.groups],
        "instanceOwner": False,
        "restricted": False,
        "disabled": user.disabled,
        "created": _date(user.created),
    }


def user_summary_json(user: User) -> Json:
    full = user_json(user)
    keys = ("id", "username", "displayName", "tenants", "auths", "instanceOwner", "disabled")
    return {k: full[k] for k in keys}


def account_json(account: ServiceAccount) -> Json:
    return {
        "id": account.id,
        "name": account.name,
        "description": account.description,
        "tenants": [TENANT],
        "instanceOwner": False,
        "disabled": account.disabled,
    }


def token_json(info: TokenInfo, now: datetime) -> Json:
    return {
        "id": info.id,
        "name": info.name,
        "description": info.description,
        "prefix": info.prefix,
        "iat": _date(info.created),
        "exp": _date(info.expires),
        "lastUsed": _date(info.last_used),
        "extended": False,
        "expired": info.expires is not None and info.expires <= now,
    }


def token_created(issued: IssuedToken) -> Json:
    """Kestra's ``CreateApiTokenResponse``: the only shape that holds a token."""
    return {"id": issued.info.id, "name": issued.info.name, "fullToken": issued.value}


def role_json(role: RoleInfo) -> Json:
    return {
        "id": role.id,
        "name": role.name,
        "description": role.description,
        "permissions": role.permissions,
        "isDefault": False,
        "isManaged": role.managed,
    }


def role_summary_json(role: RoleInfo) -> Json:
    return {
        "id": role.id,
        "name": role.name,
        "isDefault": False,
        "isManaged": role.managed,
        "permissionCount": sum(len(a) for a in role.permissions.values()),
    }


def binding_json(binding: Binding, role_name: str, subject_name: str) -> Json:
    """Kestra has user and group bindings; a service account is a user of type SERVICE_ACCOUNT."""
    doc: Json = {
        "id": binding.id,
        "type": "GROUP" if binding.subject_type is SubjectType.GROUP else "USER",
        "subjectType": binding.subject_type.value,
        "namespace": binding.namespace,
        "role": {"id": binding.role_id, "name": role_name},
        "user": None,
        "group": None,
    }
    if binding.subject_type is SubjectType.GROUP:
        doc["group"] = {"id": binding.subject_id, "name": subject_name}
    else:
        kind = "STANDARD" if binding.subject_type is SubjectType.USER else "SERVICE_ACCOUNT"
        doc["user"] = {
            "id": binding.subject_id,
            "username": subject_name,
            "displayName": subject_name,
            "type": kind,
        }
    return doc
