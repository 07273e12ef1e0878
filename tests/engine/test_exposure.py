"""Every writer of a customer's data keeps its stored exposure (engine.exposure: the outstanding
balance's amount and currency on the row, what the dashboard sums) right: a create, an update
changing the balance and its currency, a workflow's set_field, the bulk import (new and
changed customers), a form version making the balance sensitive (no plain copy then) and back;
on both databases."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import select

from engine import crypto, specs
from engine.customer_data import set_fields
from engine.dashboard import dashboard
from engine.db import Database
from engine.drafts import save_draft
from engine.exposure import exposure_columns
from engine.imports import import_rows
from engine.models import Customer, SpecKind
from engine.publishing import publish_draft
from forms import read_table
from tests.engine.conftest import HEALTHY, NOW, upsert

LATER = NOW + timedelta(hours=1)


def exposure(database: Database, ref: str) -> tuple[Decimal | None, str | None]:
    with database.transaction() as session:
        row = session.exec(select(Customer).where(Customer.external_ref == ref)).one()
        return row.exposure_amount, row.exposure_currency


def test_a_created_customer_stores_its_balance_as_written(workspace: Database) -> None:
    upsert(workspace, "C-1", HEALTHY)
    usd = {**HEALTHY, "outstanding_balance": {"amount": 1250.5, "currency": "USD"}}
    upsert(workspace, "C-2", usd)
    upsert(workspace, "C-3", {k: v for k, v in HEALTHY.items() if k != "outstanding_balance"})
    assert exposure(workspace, "C-1") == (Decimal(100_000), None)
    assert exposure(workspace, "C-2") == (Decimal("1250.5"), "USD")
    assert exposure(workspace, "C-3") == (None, None)


def test_an_update_changing_the_balance_and_its_currency_follows_it(workspace: Database) -> None:
    upsert(workspace, "C-1", HEALTHY)
    upsert(workspace, "C-1", {**HEALTHY, "outstanding_balance": {"amount": 80, "currency": "EUR"}})
    assert exposure(workspace, "C-1") == (Decimal(80), "EUR")
    upsert(workspace, "C-1", {**HEALTHY, "outstanding_balance": {"amount": 95, "currency": "USD"}})
    assert exposure(workspace, "C-1") == (Decimal(95), "USD")
    upsert(workspace, "C-1", {**HEALTHY, "outstanding_balance": 7_000})
    assert exposure(workspace, "C-1") == (Decimal(7_000), None)
    upsert(workspace, "C-1", {**HEALTHY, "outstanding_balance": None})
    assert exposure(workspace, "C-1") == (None, None)


def test_a_workflow_setting_the_balance_stores_it(workspace: Database) -> None:
    upsert(workspace, "C-1", HEALTHY)
    with workspace.transaction() as session:
        row = session.exec(select(Customer).where(Customer.external_ref == "C-1")).one()
        value = {"amount": 42, "currency": "USD"}
        changed = set_fields(
            session, row, {"outstanding_balance": value}, case_id=None, actor="wf", now=LATER
        )
    assert changed == ["outstanding_balance"]
    assert exposure(workspace, "C-1") == (Decimal(42), "USD")


FILE = """external_ref,name,industry,outstanding_balance
M1,Base Currency Co,manufacturing,"1,200,000"
M2,Dollar Co,manufacturing,"USD 150,000.50"
M3,Empty Co,retail,
"""
CHANGED = """external_ref,name,industry,outstanding_balance
M1,Base Currency Co,manufacturing,EUR 900
M2,Dollar Co,manufacturing,"2,000"
M3,Empty Co,retail,USD 3
"""


def _import(database: Database, content: str, *, now: Any) -> tuple[int, int]:
    table = read_table(content.encode("utf-8"), filename="customers.csv")
    with database.transaction() as session:
        report = import_rows(
            session, "customers", table, mode="valid-rows", actor="cli", now=now, tz=UTC
        )
    assert report.rejected == 0, report.errors
    return report.created, report.updated


def test_an_import_stores_the_balances_of_new_and_changed_customers(workspace: Database) -> None:
    assert _import(workspace, FILE, now=NOW) == (3, 0)
    assert [exposure(workspace, ref) for ref in ("M1", "M2", "M3")] == [
        (Decimal(1_200_000), None),
        (Decimal("150000.5"), "USD"),
        (None, None),
    ]
    assert _import(workspace, CHANGED, now=LATER) == (0, 3)
    assert [exposure(workspace, ref) for ref in ("M1", "M2", "M3")] == [
        (Decimal(900), "EUR"),
        (Decimal(2_000), None),
        (Decimal(3), "USD"),
    ]


def _publish_customer_form(database: Database, source: str) -> None:
    with database.transaction() as session:
        save_draft(session, SpecKind.FORM, "customer", source, actor="ana", now=NOW)
    with database.transaction() as session:
        outcome = publish_draft(
            session, SpecKind.FORM, "customer", comment="v2", effective_at=None, actor="bo",
            now=NOW, mapping=None,
        )  # fmt: skip
    assert outcome.status == "published"


def test_a_balance_made_sensitive_loses_its_plain_copy_and_gets_it_back(
    workspace: Database,
) -> None:
    upsert(workspace, "C-1", {**HEALTHY, "outstanding_balance": {"amount": 5, "currency": "USD"}})
    with workspace.transaction() as session:
        source = specs.find_row(session, SpecKind.FORM, "customer").source
    plain = "{id: outstanding_balance, type: money,"
    assert plain in source
    _publish_customer_form(workspace, source.replace(plain, plain + " sensitive: true,"))
    with workspace.transaction() as session:
        row = session.exec(select(Customer).where(Customer.external_ref == "C-1")).one()
        assert crypto.is_sealed(row.data["outstanding_balance"])
        assert (row.exposure_amount, row.exposure_currency) == (None, None)
        # a sensitive balance is not summed: the dashboard names no exposure field
        board = dashboard(session, scope=None, now=LATER)
    assert board.exposure_field is None and board.exposure == 0
    # a new value of the sensitive field is sealed and not copied either
    upsert(workspace, "C-1", {**HEALTHY, "outstanding_balance": 600})
    assert exposure(workspace, "C-1") == (None, None)
    _publish_customer_form(workspace, source)
    assert exposure(workspace, "C-1") == (Decimal(600), None)


def test_the_columns_of_stored_data_copy_no_sealed_or_malformed_value() -> None:
    sealed = {"$enc": "v1", "k": "d1", "n": "x", "c": "y"}
    assert exposure_columns({"outstanding_balance": sealed}) == {
        "exposure_amount": None,
        "exposure_currency": None,
    }
    for value in (True, "100", {"amount": "5", "currency": "USD"}, 10**17, None):
        found = exposure_columns({"outstanding_balance": value})
        assert found == {"exposure_amount": None, "exposure_currency": None}, value
    assert exposure_columns({"outstanding_balance": 0.1}) == {
        "exposure_amount": Decimal("0.1"),
        "exposure_currency": None,
    }
