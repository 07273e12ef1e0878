"""A generated portfolio (engine.portfolio) pushed through the engine services as an integrator
would: each customer upserted, then each of its events recorded, every one scored on the way."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from engine import portfolio
from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.events import EventInput, record_event
from engine.templates import import_template
from tests.conftest import EXAMPLE_TEMPLATE

SEED = 11


def seed_portfolio(database: Database, n: int, *, now: datetime, seed: int = SEED) -> list[str]:
    """Upsert the first `n` generated customers and record their events at `now`; their refs."""
    refs = []
    for record in portfolio.generate_customers(n, seed=seed):
        parts = portfolio.upsert_parts(record)
        with database.transaction() as session:
            upsert_customer(
                session,
                parts.ref,
                CustomerInput(
                    name=parts.name, department=parts.department, data=parts.data, terms=parts.terms
                ),
                actor="seed",
                now=now,
                tz=UTC,
            )
            for event in portfolio.generate_events(record, seed=seed, as_of=now.date()):
                item = EventInput(
                    kind=event["kind"], occurred_at=event["occurred_at"], payload=event["payload"]
                )
                record_event(session, parts.ref, item, actor="seed", now=now, tz=UTC)
        refs.append(parts.ref)
    return refs


def publish_edited_ruleset(
    database: Database,
    tmp_path: Path,
    edits: Sequence[tuple[str, str]],
    *,
    now: datetime,
    name: str = "edited",
) -> None:
    """Import the example template again as 1.1.0 with each `(old, new)` of `edits` made to its
    ruleset (each `old` must be there: an edit that matches nothing fails here rather than
    leaving the ruleset as it was). Its ruleset becomes version 2; the bundle's own cases, which
    expect the shipped rules, are left out."""
    bundle = tmp_path / name
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    rules = bundle / "rules" / "credit.rules"
    text = rules.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, f"the example ruleset no longer holds {old!r}"
        text = text.replace(old, new)
    rules.write_text(text, encoding="utf-8")
    template = bundle / "template.yaml"
    described = template.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 1.1.0")
    template.write_text(described.replace("tests: [tests/cases.yaml]\n", ""), encoding="utf-8")
    shutil.rmtree(bundle / "tests")
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=now, base_currency="CNY")


def publish_stricter_ruleset(database: Database, tmp_path: Path, *, now: datetime) -> None:
    """Import the example template again as 1.1.0 with a stricter ruleset: high from 50 points
    (was 60), severe overdue +35 (was +30). Its ruleset becomes version 2."""
    edits = [
        ("high when score >= 60", "high when score >= 50"),
        ("then add 30, alert warning", "then add 35, alert warning"),
    ]
    publish_edited_ruleset(database, tmp_path, edits, now=now, name="stricter")
