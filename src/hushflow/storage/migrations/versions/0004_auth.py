"""auth: users, service accounts, groups, roles, bindings, API tokens, sessions; secret usage

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import hushflow.storage.auth_tables  # noqa: F401  (keeps the tables on the metadata)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "auth_users",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("first_name", sa.String(255), nullable=True),
        sa.Column("last_name", sa.String(255), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("disabled", sa.Integer(), nullable=False),
        sa.Column("created", _WHEN, nullable=False),
        sa.Column("updated", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_users")),
        sa.UniqueConstraint("username", name=op.f("uq_auth_users_username")),
    )
    op.create_table(
        "auth_service_accounts",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("disabled", sa.Integer(), nullable=False),
        sa.Column("created", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_service_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_auth_service_accounts_name")),
    )
    op.create_table(
        "auth_groups",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_auth_groups_name")),
    )
    op.create_table(
        "auth_group_members",
        sa.Column("group_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_auth_group_members")),
    )
    op.create_index("ix_auth_group_members_user", "auth_group_members", ["user_id"])
    op.create_table(
        "auth_roles",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("created", _WHEN, nullable=False),
        sa.Column("updated", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_roles")),
        sa.UniqueConstraint("name", name=op.f("uq_auth_roles_name")),
    )
    op.create_table(
        "auth_bindings",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("role_id", sa.String(64), nullable=False),
        sa.Column("namespace", sa.String(255), nullable=True),
        sa.Column("created", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_bindings")),
    )
    op.create_index("ix_auth_bindings_subject", "auth_bindings", ["subject_type", "subject_id"])
    op.create_table(
        "auth_api_tokens",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("owner_type", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created", _WHEN, nullable=False),
        sa.Column("expires", _WHEN, nullable=True),
        sa.Column("last_used", _WHEN, nullable=True),
        sa.Column("revoked", _WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_api_tokens_token_hash")),
    )
    op.create_index("ix_auth_api_tokens_owner", "auth_api_tokens", ["owner_type", "owner_id"])
    op.create_table(
        "auth_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("created", _WHEN, nullable=False),
        sa.Column("expires", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_auth_sessions")),
    )
    op.create_index(op.f("ix_auth_sessions_user_id"), "auth_sessions", ["user_id"])
    op.create_table(
        "secret_usage",
        sa.Column("namespace", sa.String(255), nullable=False),
        sa.Column("key_folded", sa.String(255), nullable=False),
        sa.Column("allowed_namespaces", sa.JSON(), nullable=True),
        sa.Column("allowed_flows", sa.JSON(), nullable=True),
        sa.Column("updated", _WHEN, nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("namespace", "key_folded", name=op.f("pk_secret_usage")),
    )


def downgrade() -> None:
    op.drop_table("secret_usage")
    op.drop_index(op.f("ix_auth_sessions_user_id"), table_name="auth_sessions")
    op.drop_table("auth_sessions")
    op.drop_index("ix_auth_api_tokens_owner", table_name="auth_api_tokens")
    op.drop_table("auth_api_tokens")
    op.drop_index("ix_auth_bindings_subject", table_name="auth_bindings")
    op.drop_table("auth_bindings")
    op.drop_table("auth_roles")
    op.drop_index("ix_auth_group_members_user", table_name="auth_group_members")
    op.drop_table("auth_group_members")
    op.drop_table("auth_groups")
    op.drop_table("auth_service_accounts")
    op.drop_table("auth_users")
