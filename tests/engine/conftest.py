"""Fixtures for the engine services: a workspace with the example template imported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from engine import specs
from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.views import CustomerUpserted
from tests.conftest import MECHANICS_TEMPLATE

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

HEALTHY: dict[str, Any] = {
    "name": "Hangzhou Bearings Co.",
    "industry": "manufacturing",
    "max_overdue_days": 0,
    "enforcement_records": 0,
    "outstanding_balance": 100_000,
    "has_guarantee": True,
}

RISKY: dict[str, Any] = {
    "name": "Shaky Trading Ltd.",
    "industry": "construction",
    "max_overdue_days": 120,
    "enforcement_records": 2,
    "outstanding_balance": 900_000,
    "has_guarantee": False,
}

TERMS: dict[str, Any] = {"credit_limit": 1_000_000, "payment_terms_days": 60}


@pytest.fixture(autouse=True)
def _fresh_compile_cache() -> Iterator[None]:
    # Each test compiles what it loads, as a fresh process would.
    specs.clear_cache()
    yield


@pytest.fixture
def workspace(database: Database) -> Database:
    """The database with the example template imported at NOW."""
    # imported here so that the other engine tests (audit, users) run even without a bundle loader
    from engine.templates import import_template

    with database.transaction() as session:
        import_template(session, MECHANICS_TEMPLATE, actor="admin", now=NOW, base_currency="CNY")
    return database


def upsert(
    database: Database,
    ref: str,
    data: dict[str, Any],
    *,
    terms: dict[str, Any] | None = None,
    department: str | None = "east",
    now: datetime = NOW,
) -> CustomerUpserted:
    with database.transaction() as session:
        return upsert_customer(
            session,
            ref,
            CustomerInput(name=data.get("name"), department=department, data=data, terms=terms),
            actor="api",
            now=now,
            tz=UTC,
        )
