"""secrets: encrypted versions, sealed settings, namespace access, audit log

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import hushflow.storage.secret_tables  # noqa: F401  (keeps the tables on the metadata)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "secret_audit",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=True),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("backend", sa.String(length=255), nullable=True),
        sa.Column("source_namespace", sa.String(length=255), nullable=True),
        sa.Column("execution_id", sa.String(length=64), nullable=True),
        sa.Column("task_run_id", sa.String(length=64), nullable=True),
        sa.Column("flow_id", sa.String(length=255), nullable=True),
        sa.Column("value_hmac", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_secret_audit")),
    )
    with op.batch_alter_table("secret_audit", schema=None) as batch_op:
        batch_op.create_index("ix_secret_audit_at", ["at"], unique=False)
        batch_op.create_index("ix_secret_audit_key", ["namespace", "key"], unique=False)

    op.create_table(
        "secret_namespace_access",
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("allowed_namespace", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint(
            "namespace", "allowed_namespace", name=op.f("pk_secret_namespace_access")
        ),
    )
    op.create_table(
        "secret_sealed_settings",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_secret_sealed_settings")),
    )
    op.create_table(
        "secret_versions",
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("key_folded", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=True),
        sa.Column("nonce", sa.LargeBinary(), nullable=True),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("deleted", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destroyed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "namespace", "key_folded", "version", name=op.f("pk_secret_versions")
        ),
    )
    with op.batch_alter_table("secret_versions", schema=None) as batch_op:
        batch_op.create_index("ix_secret_versions_key_id", ["key_id"], unique=False)

    op.create_table(
        "secrets",
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("key_folded", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("namespace", "key_folded", name=op.f("pk_secrets")),
    )


def downgrade() -> None:
    op.drop_table("secrets")
    with op.batch_alter_table("secret_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_secret_versions_key_id")

    op.drop_table("secret_versions")
    op.drop_table("secret_sealed_settings")
    op.drop_table("secret_namespace_access")
    with op.batch_alter_table("secret_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_secret_audit_key")
        batch_op.drop_index("ix_secret_audit_at")

    op.drop_table("secret_audit")
