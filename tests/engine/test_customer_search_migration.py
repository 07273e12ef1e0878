"""Migration 0015: customers stored before it are searchable through the new index, the
downgrade removes every object it made (on SQLite the FTS5 table, its shadow tables and the
triggers; on PostgreSQL the trigram indexes and pg_trgm), and the revision goes up again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from engine.customer_list import list_customers
from engine.customer_query import CustomerQuery
from engine.db import Database, alembic_config, upgrade
from tests.conftest import _PG_URL, TEST_KEYS, _create_pg_database, _drop_pg_database

_CUSTOMERS = text(
    "INSERT INTO customers (id, external_ref, name, data, credit_limit, currency,"
    " payment_terms_days, prepayment_pct, order_hold, row_version, created_at, updated_at)"
    " VALUES (:id, :ref, :name, '{}', 0, 'CNY', 30, 0, false, 1, '2026-01-01 00:00:00',"
    " '2026-01-01 00:00:00')"
)
_SQLITE_OBJECTS = text(
    "SELECT type, name FROM sqlite_master WHERE name LIKE 'customer%search%' ORDER BY name"
)
_PG_OBJECTS = text(
    "SELECT 'index', indexname FROM pg_indexes WHERE indexname LIKE '%trgm'"
    " UNION ALL SELECT 'extension', extname FROM pg_extension WHERE extname = 'pg_trgm'"
    " ORDER BY 2"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend (PostgreSQL when configured)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'before.db'}"
        return
    if _PG_URL is None:
        pytest.skip("RISKDESK_TEST_DATABASE_URL is not set")
    url, name = _create_pg_database(_PG_URL)
    try:
        yield url
    finally:
        _drop_pg_database(_PG_URL, name)


def refs(url: str, search: str) -> list[str]:
    database = Database(url, keys=TEST_KEYS)
    try:
        with database.transaction() as session:
            found = list_customers(session, query=CustomerQuery(search=search))
        return [c.ref for c in found.items]
    finally:
        database.dispose()


def test_0015_indexes_customers_stored_before_it_and_goes_down_and_up(empty_url: str) -> None:
    upgrade(empty_url, "0013")
    engine = create_engine(empty_url)
    objects = _SQLITE_OBJECTS if engine.dialect.name == "sqlite" else _PG_OBJECTS
    try:
        with engine.begin() as connection:
            for customer_id, ref, name in ((1, "C1", "Old Lanzhou Co."), (2, "C2", "华为技术")):
                connection.execute(_CUSTOMERS, {"id": customer_id, "ref": ref, "name": name})
        with engine.connect() as connection:
            before = connection.execute(objects).all()
        config = alembic_config(empty_url)
        config.attributes["keys"] = TEST_KEYS
        command.upgrade(config, "head")  # through 0015 (the lists read today's columns)
        assert refs(empty_url, "lanzhou") == ["C1"]
        assert refs(empty_url, "华为技") == ["C2"]
        with engine.connect() as connection:
            made = connection.execute(objects).all()
        if engine.dialect.name == "sqlite":
            assert {name for _, name in made} >= {
                "customer_search",
                "customer_search_data",
                "customers_search_insert",
                "customers_search_update",
                "customers_search_delete",
            }
        else:
            assert made == [
                ("index", "ix_customers_external_ref_trgm"),
                ("index", "ix_customers_name_trgm"),
                ("extension", "pg_trgm"),
            ]
        command.downgrade(config, "0014")
        with engine.connect() as connection:
            assert connection.execute(objects).all() == before == []
        command.upgrade(config, "head")
        assert refs(empty_url, "old lan") == ["C1"]
    finally:
        engine.dispose()
