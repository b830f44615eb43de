"""execution commands (kill, resume) and scheduler trigger state

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "execution_commands",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("execution_id", sa.String(length=64), nullable=False),
        sa.Column("command", sa.String(length=32), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_execution_commands")),
    )
    op.create_index(
        op.f("ix_execution_commands_execution_id"), "execution_commands", ["execution_id"]
    )
    op.create_table(
        "trigger_state",
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("flow_id", sa.String(length=255), nullable=False),
        sa.Column("trigger_id", sa.String(length=255), nullable=False),
        sa.Column("last_fired", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_fire", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "namespace", "flow_id", "trigger_id", name=op.f("pk_trigger_state")
        ),
    )


def downgrade() -> None:
    op.drop_table("trigger_state")
    op.drop_index(op.f("ix_execution_commands_execution_id"), table_name="execution_commands")
    op.drop_table("execution_commands")
