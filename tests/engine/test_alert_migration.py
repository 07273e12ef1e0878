"""Migration 0011: alerts stored before it keep their text and get their `opened` step; of several
open alerts of one customer's rule (the earlier engine opened another whenever the message
changed), the newest stays open and the others are resolved; the revision goes down and up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from engine.db import alembic_config, upgrade
from tests.conftest import TEST_KEYS

_ROWS = [
    "INSERT INTO customers (id, external_ref, name, data, credit_limit, currency,"
    " payment_terms_days, prepayment_pct, order_hold, row_version, created_at, updated_at)"
    " VALUES (1, 'C1', 'Old Co.', '{}', 0, 'CNY', 30, 0, 0, 1, '2026-01-01 00:00:00',"
    " '2026-01-01 00:00:00')",
    "INSERT INTO assessments (id, customer_id, ruleset_key, ruleset_version, as_of, score, tier,"
    " result, created_at) VALUES (1, 1, 'credit', 1, '2026-01-01', 30, 'medium', '{}',"
    " '2026-01-01 00:00:00')",
    *(
        "INSERT INTO alerts (id, customer_id, assessment_id, rule, severity, message, status,"
        f" created_at) VALUES ({i}, 1, 1, '{rule}', 'warning', '{message}', 'open',"
        f" '2026-01-0{i} 00:00:00')"
        for i, rule, message in [
            (1, "severe_overdue", "Invoice overdue 120 days"),
            (2, "severe_overdue", "Invoice overdue 121 days"),
            (3, "negative_news", "3 negative news items in 30 days"),
        ]
    ),
]


def test_alerts_stored_before_0011_keep_one_open_alert_per_rule(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"
    upgrade(url, "0010")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for row in _ROWS:
                connection.execute(text(row))
        config = alembic_config(url)
        config.attributes["keys"] = TEST_KEYS
        command.upgrade(config, "0011")
        with engine.connect() as connection:
            alerts = connection.execute(
                text("SELECT id, status, resolved_at IS NOT NULL FROM alerts ORDER BY id")
            ).all()
            events = connection.execute(
                text("SELECT alert_id, kind, message FROM alert_events ORDER BY alert_id")
            ).all()
        assert [tuple(a) for a in alerts] == [(1, "resolved", 1), (2, "open", 0), (3, "open", 0)]
        assert [tuple(e) for e in events] == [
            (1, "opened", "Invoice overdue 120 days"),
            (2, "opened", "Invoice overdue 121 days"),
            (3, "opened", "3 negative news items in 30 days"),
        ]
        command.downgrade(config, "0010")
        assert "alert_events" not in inspect(engine).get_table_names()
        command.upgrade(config, "head")
        assert "acknowledged_by" in {c["name"] for c in inspect(engine).get_columns("alerts")}
    finally:
        engine.dispose()
