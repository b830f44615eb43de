"""The database tables, as SQLAlchemy Core metadata.

Every layer that stores something declares its tables on this one ``metadata``
(the secret store adds its own in ``hushflow.storage.secret_tables``), so that
Alembic migrations and ``create_all`` in tests see the whole schema. JSON
columns hold data that has already gone through the execution's masker.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

flows = Table(
    "flows",
    metadata,
    Column("namespace", String(255), primary_key=True),
    Column("id", String(255), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("deleted", Integer, nullable=False, default=0),
    Column("created", DateTime(timezone=True), nullable=False),
)

executions = Table(
    "executions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("namespace", String(255), nullable=False),
    Column("flow_id", String(255), nullable=False),
    Column("flow_revision", Integer, nullable=False),
    Column("state", String(32), nullable=False),
    Column("state_history", JSON, nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("outputs", JSON, nullable=True),
    Column("labels", JSON, nullable=False),
    Column("variables", JSON, nullable=True),
    Column("parent_id", String(64), nullable=True),
    Column("error", Text, nullable=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("ended", DateTime(timezone=True), nullable=True),
    Index("ix_executions_flow", "namespace", "flow_id"),
    Index("ix_executions_created", "created"),
)

task_runs = Table(
    "task_runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("execution_id", String(64), nullable=False, index=True),
    Column("task_id", String(255), nullable=False),
    Column("parent_task_run_id", String(64), nullable=True),
    Column("value", Text, nullable=True),
    Column("iteration", Integer, nullable=True),
    Column("position", Integer, nullable=False, default=0),
    Column("state", String(32), nullable=False),
    Column("state_history", JSON, nullable=False),
    Column("attempts", JSON, nullable=False),
    Column("outputs", JSON, nullable=True),
    Column("plan", JSON, nullable=True),
    Column("error", Text, nullable=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("ended", DateTime(timezone=True), nullable=True),
)

logs = Table(
    "logs",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("execution_id", String(64), nullable=False, index=True),
    Column("task_run_id", String(64), nullable=True),
    Column("task_id", String(255), nullable=True),
    Column("attempt", Integer, nullable=True),
    Column("level", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("timestamp", DateTime(timezone=True), nullable=False),
)

#: Requests to running executions from other processes (kill, resume), consumed
#: by whichever engine holds the execution.
execution_commands = Table(
    "execution_commands",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("execution_id", String(64), nullable=False, index=True),
    Column("command", String(32), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)

#: The scheduler's memory: when each trigger of each flow last fired.
trigger_state = Table(
    "trigger_state",
    metadata,
    Column("namespace", String(255), primary_key=True),
    Column("flow_id", String(255), primary_key=True),
    Column("trigger_id", String(255), primary_key=True),
    Column("last_fired", DateTime(timezone=True), nullable=True),
    Column("next_fire", DateTime(timezone=True), nullable=True),
    Column("updated", DateTime(timezone=True), nullable=False),
)
import hushflow.storage.auth_tables  # noqa: E402
import hushflow.storage.owner_tables  # noqa: E402
import hushflow.storage.secret_tables  # noqa: E402, F401
