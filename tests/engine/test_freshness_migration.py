"""Migration 0009: customers stored before it get no freshness (their fields are of unknown age),
and the revision goes down and up again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from engine.db import alembic_config, upgrade
from engine.freshness import freshness_view
from tests.conftest import TEST_KEYS

_CUSTOMER = text(
    "INSERT INTO customers (external_ref, name, data, credit_limit, currency, payment_terms_days,"
    " prepayment_pct, order_hold, row_version, created_at, updated_at) VALUES ('C1', 'Old Co.',"
    " '{\"max_overdue_days\": 3}', 0, 'CNY', 30, 0, 0, 1, '2026-01-01 00:00:00',"
    " '2026-01-01 00:00:00')"
)


def test_customers_stored_before_0009_have_fields_of_unknown_age(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"
    upgrade(url, "0008")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(_CUSTOMER)
        config = alembic_config(url)
        config.attributes["keys"] = TEST_KEYS
        command.upgrade(config, "0009")
        with engine.connect() as connection:
            (stored,) = connection.execute(text("SELECT freshness FROM customers")).one()
        assert stored is None
        assert freshness_view(stored) == {}
        command.downgrade(config, "0008")
        assert "freshness" not in {c["name"] for c in inspect(engine).get_columns("customers")}
        command.upgrade(config, "head")
        assert "freshness" in {c["name"] for c in inspect(engine).get_columns("customers")}
    finally:
        engine.dispose()
