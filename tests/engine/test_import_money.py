"""Importing money written with its currency code (docs/import.md, docs/forms.md "Money"): an
amount in the base currency stays a number, one in another currency is stored as an amount and a
currency, a sign or a code that is no currency rejects its row at the cell."""

from __future__ import annotations

from datetime import UTC

from engine import crypto
from engine.customers import find_customer
from engine.db import Database
from engine.imports import import_rows
from forms import read_table
from tests.engine.conftest import NOW

FILE = """external_ref,name,industry,outstanding_balance
M1,Base Currency Co,manufacturing,"1,200,000"
M2,Dollar Co,manufacturing,"USD 150,000.50"
M3,Euro Co,retail,80000 eur
M4,Sign Co,retail,$500
M5,Renminbi Co,retail,500 RMB
"""


def test_amounts_with_a_currency_code_import_and_unclear_ones_are_row_errors(
    workspace: Database,
) -> None:
    table = read_table(FILE.encode("utf-8"), filename="customers.csv")
    with workspace.transaction() as session:
        report = import_rows(
            session, "customers", table, mode="valid-rows", actor="cli", now=NOW, tz=UTC
        )
    assert (report.rows, report.created, report.rejected) == (5, 3, 2)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (5, "outstanding_balance", "currency-sign"),
        (6, "outstanding_balance", "bad-currency"),
    ]
    with workspace.transaction() as session:
        stored = {
            ref: crypto.customer_data(session, find_customer(session, ref))["outstanding_balance"]
            for ref in ("M1", "M2", "M3")
        }
    assert stored == {
        "M1": 1_200_000,
        "M2": {"amount": 150_000.5, "currency": "USD"},
        "M3": {"amount": 80_000, "currency": "EUR"},
    }
