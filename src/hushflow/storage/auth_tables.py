"""Tables of users, service accounts, groups, roles, bindings, API tokens and sessions.

No password, API token or session id is stored in clear: passwords as argon2
hashes, tokens and session ids as SHA-256 digests (a token keeps a short
visible prefix so people can tell theirs apart). Managed roles live in code
(``hushflow.auth.permissions.MANAGED_ROLES``); only custom roles are rows.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Index, Integer, String, Table, Text

from hushflow.storage.schema import metadata

auth_users = Table(
    "auth_users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(255), nullable=False, unique=True),
    Column("email", String(255), nullable=True),
    Column("first_name", String(255), nullable=True),
    Column("last_name", String(255), nullable=True),
    Column("password_hash", Text, nullable=True),
    Column("disabled", Integer, nullable=False, default=0),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)

auth_service_accounts = Table(
    "auth_service_accounts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("description", Text, nullable=True),
    Column("disabled", Integer, nullable=False, default=0),
    Column("created", DateTime(timezone=True), nullable=False),
)

auth_groups = Table(
    "auth_groups",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("description", Text, nullable=True),
    Column("created", DateTime(timezone=True), nullable=False),
)

auth_group_members = Table(
    "auth_group_members",
    metadata,
    Column("group_id", String(64), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Index("ix_auth_group_members_user", "user_id"),
)

auth_roles = Table(
    "auth_roles",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("description", Text, nullable=True),
    Column("permissions", JSON, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)

auth_bindings = Table(
    "auth_bindings",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("role_id", String(64), nullable=False),
    Column("namespace", String(255), nullable=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Index("ix_auth_bindings_subject", "subject_type", "subject_id"),
)

auth_api_tokens = Table(
    "auth_api_tokens",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("owner_type", String(32), nullable=False),
    Column("owner_id", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=True),
    Column("prefix", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("expires", DateTime(timezone=True), nullable=True),
    Column("last_used", DateTime(timezone=True), nullable=True),
    Column("revoked", DateTime(timezone=True), nullable=True),
    Index("ix_auth_api_tokens_owner", "owner_type", "owner_id"),
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", String(64), nullable=False, index=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("expires", DateTime(timezone=True), nullable=False),
)

#: Who may *use* a secret (``secret()`` at run time), beyond the namespace chain:
#: per (namespace, key), the child namespaces and the flows allowed to read it.
#: Kept beside the secret stores rather than inside one, so every backend has it.
secret_usage = Table(
    "secret_usage",
    metadata,
    Column("namespace", String(255), primary_key=True),
    Column("key_folded", String(255), primary_key=True),
    Column("allowed_namespaces", JSON, nullable=True),
    Column("allowed_flows", JSON, nullable=True),
    Column("updated", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(255), nullable=True),
)
