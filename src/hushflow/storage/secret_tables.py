"""Tables of the embedded secret store, declared on the shared ``metadata``.

Values exist here only as AES-256-GCM ciphertext (``secret_versions``), each
with the id of the master key that sealed it; the associated data binds the
ciphertext to ``(namespace, key, version)``. The audit log records who read or
changed what, with a keyed HMAC where a value must be identified, never the value.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from hushflow.storage.schema import metadata

secrets = Table(
    "secrets",
    metadata,
    Column("namespace", String(255), primary_key=True),
    Column("key_folded", String(255), primary_key=True),
    Column("key", String(255), nullable=False),
    Column("current_version", Integer, nullable=False),
    Column("description", Text, nullable=True),
    Column("tags", JSON, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(255), nullable=True),
)

secret_versions = Table(
    "secret_versions",
    metadata,
    Column("namespace", String(255), primary_key=True),
    Column("key_folded", String(255), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("key_id", String(32), nullable=True),
    Column("nonce", LargeBinary, nullable=True),
    Column("ciphertext", LargeBinary, nullable=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("created_by", String(255), nullable=True),
    Column("deleted", DateTime(timezone=True), nullable=True),
    Column("destroyed", Integer, nullable=False, default=0),
    Index("ix_secret_versions_key_id", "key_id"),
)

secret_sealed_settings = Table(
    "secret_sealed_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("key_id", String(32), nullable=False),
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
)

secret_namespace_access = Table(
    "secret_namespace_access",
    metadata,
    Column("namespace", String(255), primary_key=True),
    Column("allowed_namespace", String(255), primary_key=True),
)

secret_audit = Table(
    "secret_audit",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor", String(255), nullable=True),
    Column("namespace", String(255), nullable=False),
    Column("key", String(255), nullable=False),
    Column("version", Integer, nullable=True),
    Column("backend", String(255), nullable=True),
    Column("source_namespace", String(255), nullable=True),
    Column("execution_id", String(64), nullable=True),
    Column("task_run_id", String(64), nullable=True),
    Column("flow_id", String(255), nullable=True),
    Column("value_hmac", String(64), nullable=True),
    Column("detail", Text, nullable=True),
    Index("ix_secret_audit_key", "namespace", "key"),
    Index("ix_secret_audit_at", "at"),
)
