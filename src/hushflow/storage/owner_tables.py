"""Which hushflow process runs each execution in flight (host, pid, start time).

A row exists from the moment a process takes an execution until it ends it.
When that process is gone (``kill -9``, a crash), the row says so, and any
other hushflow process on the machine can end the execution instead of
leaving it RUNNING for ever.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Table

from hushflow.storage.schema import metadata

execution_owners = Table(
    "execution_owners",
    metadata,
    Column("execution_id", String(64), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started", String(32), nullable=False),
    Column("claimed", DateTime(timezone=True), nullable=False),
)
