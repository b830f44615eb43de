"""Opening hushflow's database from a command, with a warning when its home is open to others."""

from __future__ import annotations

import click
from sqlalchemy import Engine

from hushflow.storage.database import open_database, permission_warnings


def open_home_database() -> Engine:
    """The configured database, migrated; each loose permission in HUSHFLOW_HOME is a warning."""
    for warning in permission_warnings():
        click.echo(f"Warning: {warning}", err=True)
    return open_database()
