"""The Alembic migrations build the same schema as the table metadata."""

from sqlalchemy import Engine, inspect

from hushflow.storage.database import migrate
from hushflow.storage.schema import metadata


def test_migrations_create_every_table(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= names
    assert "alembic_version" in names


def test_migrate_twice_is_a_no_op(engine: Engine) -> None:
    migrate(engine)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())


def test_a_migrated_database_is_at_the_newest_revision(engine: Engine) -> None:
    from hushflow.storage.database import current_revision, head_revision

    assert current_revision(engine) == head_revision()
