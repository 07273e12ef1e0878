"""The migrations build the schema the SQLModel models describe, on each backend: Alembic's
comparison of the two finds nothing, the objects kept outside the models (engine.db.is_modelled:
expression indexes, SQLite's FTS5 search table) aside."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from engine.db import UNMODELLED_TABLE, is_modelled
from engine.models import metadata


# SQLAlchemy skips SQLite's expression indexes with a warning: they are unmodelled anyway
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_the_migrated_schema_is_what_the_models_describe(migrated_url: str) -> None:
    engine = create_engine(migrated_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": is_modelled}
            )
            differences = compare_metadata(context, metadata)
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert differences == []
    # the comparison did look at the tables, the search table's among them on SQLite
    assert {"customers", "cases", "audit_log"} <= tables
    assert (UNMODELLED_TABLE in tables) == migrated_url.startswith("sqlite")
