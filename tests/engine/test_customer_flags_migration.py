"""Migration 0014: the customers' flags text becomes rows of customer_flags, each scored
customer's tier gets its rank in the latest published scoring ruleset's tiers (0 for a tier it no
longer declares), and the revision goes down (the text back) and up again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from engine.db import alembic_config, upgrade
from tests.conftest import TEST_KEYS

_CUSTOMERS = text(
    "INSERT INTO customers (id, external_ref, name, data, tier, flags, credit_limit, currency,"
    " payment_terms_days, prepayment_pct, order_hold, row_version, created_at, updated_at)"
    " VALUES (:id, :ref, 'Old Co.', '{}', :tier, :flags, 0, 'CNY', 30, 0, 0, 1,"
    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
)
_VERSIONS = text(
    "INSERT INTO spec_versions (kind, key, version, status, source, checksum, meta, created_at,"
    " published_at) VALUES (:kind, :key, :version, :status, '', :checksum, :meta,"
    " '2026-01-01 00:00:00', :published_at)"
)
_SPECS = (
    ("template", "manufacturing_credit", 1, "published", '{"scoring_ruleset": "credit"}'),
    ("ruleset", "credit", 1, "published", '{"tiers": ["high", "medium", "low"]}'),
    # version 2 drops `medium` and adds `watch`; a draft (version 3) counts for nothing
    ("ruleset", "credit", 2, "published", '{"tiers": ["high", "watch", "low"]}'),
    ("ruleset", "credit", 3, "draft", '{"tiers": ["low", "high"]}'),
)


def test_0014_moves_flags_to_rows_and_ranks_tiers_by_the_published_ruleset(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"
    upgrade(url, "0013")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            customers = (
                (1, "C1", "high", ",litigation,near_limit,"),
                (2, "C2", "medium", None),  # scored by version 1: no longer declared
                (3, "C3", "low", ",order_drop,"),
                (4, "C4", None, None),  # never scored
                (5, "C5", "watch", None),
            )
            for customer_id, ref, tier, flags in customers:
                connection.execute(
                    _CUSTOMERS, {"id": customer_id, "ref": ref, "tier": tier, "flags": flags}
                )
            for kind, key, version, status, meta in _SPECS:
                connection.execute(
                    _VERSIONS,
                    {
                        "kind": kind,
                        "key": key,
                        "version": version,
                        "status": status,
                        "checksum": f"{kind}{version}",
                        "meta": meta,
                        "published_at": "2026-01-01 00:00:00" if status == "published" else None,
                    },
                )
        config = alembic_config(url)
        config.attributes["keys"] = TEST_KEYS
        command.upgrade(config, "0014")
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT customer_id, flag FROM customer_flags ORDER BY customer_id, flag")
            ).all()
            ranks = connection.execute(
                text("SELECT id, tier_rank FROM customers ORDER BY id")
            ).all()
            # read from the schema: SQLAlchemy does not reflect an expression index
            indexes = set(
                connection.execute(
                    text("SELECT name FROM sqlite_master WHERE tbl_name = 'customers'")
                ).scalars()
            )
        assert rows == [(1, "litigation"), (1, "near_limit"), (3, "order_drop")]
        assert ranks == [(1, 3), (2, 0), (3, 1), (4, None), (5, 2)]
        columns = {c["name"] for c in inspect(engine).get_columns("customers")}
        assert "flags" not in columns and "tier_rank" in columns
        assert "ix_customers_tier_rank_id" in indexes and "ix_customers_tier_id" not in indexes
        # the tier filter's index stays; the table was not copied, so 0013's expression index
        # (which a copy would not know) is still there
        assert {"ix_customers_tier", "ix_customers_industry"} <= indexes

        command.downgrade(config, "0013")
        with engine.connect() as connection:
            texts = connection.execute(text("SELECT id, flags FROM customers ORDER BY id")).all()
        assert texts == [
            (1, ",litigation,near_limit,"),
            (2, None),
            (3, ",order_drop,"),
            (4, None),
            (5, None),
        ]
        assert "customer_flags" not in inspect(engine).get_table_names()
        assert "tier_rank" not in {c["name"] for c in inspect(engine).get_columns("customers")}
        command.upgrade(config, "head")
        assert "customer_flags" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_0014_before_any_template_leaves_ranks_of_scored_customers_at_zero(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'bare.db'}"
    upgrade(url, "0013")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(_CUSTOMERS, {"id": 1, "ref": "C1", "tier": "high", "flags": None})
            connection.execute(_CUSTOMERS, {"id": 2, "ref": "C2", "tier": None, "flags": None})
        config = alembic_config(url)
        config.attributes["keys"] = TEST_KEYS
        command.upgrade(config, "0014")
        with engine.connect() as connection:
            ranks = connection.execute(
                text("SELECT id, tier_rank FROM customers ORDER BY id")
            ).all()
        assert ranks == [(1, 0), (2, None)]
    finally:
        engine.dispose()
