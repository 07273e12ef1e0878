"""Migration 0016: customers stored before it get their outstanding balance's exposure columns
(a number, an amount in a currency; a sealed or missing one none), the dashboard's indexes
exist, and the revision goes down and up again."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from engine.db import alembic_config, upgrade
from tests.conftest import TEST_KEYS

_CUSTOMERS = text(
    "INSERT INTO customers (id, external_ref, name, data, credit_limit, currency,"
    " payment_terms_days, prepayment_pct, order_hold, row_version, created_at, updated_at)"
    " VALUES (:id, :ref, 'Old Co.', :data, 0, 'CNY', 30, 0, 0, 1, '2026-01-01 00:00:00',"
    " '2026-01-01 00:00:00')"
)
_SEALED = {"$enc": "v1", "k": "d1", "n": "bm9uY2U", "c": "Y2lwaGVy"}


def test_customers_stored_before_0016_get_their_exposure(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"
    upgrade(url, "0013")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for customer_id, balance in enumerate(
                (120_000, {"amount": 99.5, "currency": "USD"}, _SEALED, None), start=1
            ):
                data = {"name": "Old Co."} if balance is None else {"outstanding_balance": balance}
                connection.execute(
                    _CUSTOMERS,
                    {"id": customer_id, "ref": f"C{customer_id}", "data": json.dumps(data)},
                )
        config = alembic_config(url)
        config.attributes["keys"] = TEST_KEYS
        command.upgrade(config, "0016")
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, exposure_amount, exposure_currency FROM customers ORDER BY id")
            ).all()
        assert [(i, None if a is None else Decimal(str(a)), c) for i, a, c in rows] == [
            (1, Decimal(120_000), None),
            (2, Decimal("99.5"), "USD"),
            (3, None, None),
            (4, None, None),
        ]
        indexes = {i["name"] for i in inspect(engine).get_indexes("customers")}
        assert "ix_customers_tier_exposure" in indexes
        assert "ix_assessments_moves" in {
            i["name"] for i in inspect(engine).get_indexes("assessments")
        }
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO customer_flags VALUES ('litigation', 1)"))
        command.downgrade(config, "0015")
        columns = {c["name"] for c in inspect(engine).get_columns("customers")}
        assert not {"exposure_amount", "exposure_currency"} & columns
        with engine.connect() as connection:
            # the table was altered in place, not copied: what refers to a customer stays, and
            # so do the search index's triggers (migration 0015)
            assert connection.execute(text("SELECT * FROM customer_flags")).all() == [
                ("litigation", 1)
            ]
            triggers = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).scalars()
            assert {"customers_search_insert", "customers_search_update"} <= set(triggers)
        command.downgrade(config, "0013")
        command.upgrade(config, "head")
    finally:
        engine.dispose()
