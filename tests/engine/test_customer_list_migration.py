"""Migration 0013: customers assessed before it get their latest assessment's flags, the list's
indexes exist, and the revision goes down and up again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from engine.db import alembic_config, upgrade
from tests.conftest import TEST_KEYS

_CUSTOMERS = text(
    "INSERT INTO customers (id, external_ref, name, data, credit_limit, currency,"
    " payment_terms_days, prepayment_pct, order_hold, row_version, created_at, updated_at)"
    " VALUES (:id, :ref, 'Old Co.', '{}', 0, 'CNY', 30, 0, 0, 1, '2026-01-01 00:00:00',"
    " '2026-01-01 00:00:00')"
)
_ASSESSMENT = text(
    "INSERT INTO assessments (id, customer_id, ruleset_key, ruleset_version, as_of, score, tier,"
    " result, created_at) VALUES (:id, :customer, 'credit', 1, '2026-01-01', 1, 'low', :result,"
    " '2026-01-01 00:00:00')"
)


def test_customers_assessed_before_0013_get_their_latest_flags(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"
    upgrade(url, "0012")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for customer_id, ref in ((1, "C1"), (2, "C2"), (3, "C3")):
                connection.execute(_CUSTOMERS, {"id": customer_id, "ref": ref})
            assessments = (
                (1, 1, '{"flags": ["litigation"]}'),
                (2, 1, '{"flags": ["near_limit", "order_drop"]}'),  # C1's latest
                (3, 2, '{"flags": []}'),
            )
            for assessment_id, customer, result in assessments:
                connection.execute(
                    _ASSESSMENT, {"id": assessment_id, "customer": customer, "result": result}
                )
        config = alembic_config(url)
        config.attributes["keys"] = TEST_KEYS
        command.upgrade(config, "0013")
        with engine.connect() as connection:
            flags = connection.execute(text("SELECT id, flags FROM customers ORDER BY id")).all()
            # read from the schema: SQLAlchemy does not reflect an expression index
            indexes = set(
                connection.execute(
                    text("SELECT name FROM sqlite_master WHERE tbl_name = 'customers'")
                ).scalars()
            )
        assert flags == [(1, ",near_limit,order_drop,"), (2, None), (3, None)]
        assert {"ix_customers_name_id", "ix_customers_industry", "ix_customers_owner"} <= indexes
        command.downgrade(config, "0012")
        assert "flags" not in {c["name"] for c in inspect(engine).get_columns("customers")}
        assert "saved_customer_views" not in inspect(engine).get_table_names()
        command.upgrade(config, "0013")
        assert "flags" in {c["name"] for c in inspect(engine).get_columns("customers")}
    finally:
        engine.dispose()
