"""Migration 0002 creates the secret tables and can be rolled back."""

from alembic import command
from sqlalchemy import Engine, inspect

from hushflow.storage.database import alembic_config, migrate

SECRET_TABLES = {
    "secrets",
    "secret_versions",
    "secret_sealed_settings",
    "secret_namespace_access",
    "secret_audit",
}


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_upgrade_downgrade_upgrade(engine: Engine) -> None:
    assert tables(engine) >= SECRET_TABLES
    command.downgrade(alembic_config(engine), "0001")
    assert not SECRET_TABLES & tables(engine)
    assert "flows" in tables(engine)
    migrate(engine)
    assert tables(engine) >= SECRET_TABLES


def test_columns_match_the_metadata(engine: Engine) -> None:
    from hushflow.storage.schema import metadata

    found = inspect(engine)
    for name in SECRET_TABLES:
        declared = {c.name for c in metadata.tables[name].columns}
        assert {c["name"] for c in found.get_columns(name)} == declared, name
