"""The cases a bulk import opens together (engine.case_openings) are exactly those the single
path opens one customer at a time: the same cases, history, timers, audit rows (the hash chain
included) and notifications, with the same ids, whether every customer's cases are opened
together, none, or some (the others interleaved through `act_on_assessment`), on both
databases."""

from __future__ import annotations

import csv
import io
from datetime import UTC
from typing import Any

import pytest
from sqlmodel import SQLModel, col, select

from engine import case_openings, portfolio, specs
from engine.db import Database
from engine.imports import import_rows
from engine.models import AuditEntry, Case, CaseTransition, Notification, Timer
from engine.templates import import_template
from engine.users import add_user
from forms import read_table
from tests.conftest import EXAMPLE_TEMPLATE, empty_tables
from tests.engine.conftest import NOW

TABLES: tuple[tuple[str, type[SQLModel]], ...] = (
    ("cases", Case),
    ("case_transitions", CaseTransition),
    ("timers", Timer),
    ("audit_log", AuditEntry),
    ("notifications", Notification),
)
CUSTOMERS = 240

Snapshot = dict[str, list[dict[str, Any]]]


def _portfolio() -> tuple[bytes, set[str]]:
    """Generated customers as a CSV file, and their departments."""
    records = list(portfolio.generate_customers(CUSTOMERS, seed=20261203))
    columns = list(dict.fromkeys(key for record in records for key in record))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow(["" if record.get(c) is None else record[c] for c in columns])
    departments = {str(r["department"]) for r in records if r.get("department")}
    return out.getvalue().encode("utf-8"), departments


def _imported(database: Database) -> Snapshot:
    """Import the portfolio into the emptied `database`; every row of the tables a case
    opening writes, by id."""
    empty_tables(database)
    specs.clear_cache()
    data, departments = _portfolio()
    with database.transaction() as session:
        import_template(session, EXAMPLE_TEMPLATE, actor="admin", now=NOW, base_currency="CNY")
        for index, department in enumerate(sorted(departments)):
            add_user(
                session, f"sales{index}", roles=("sales_manager",), department=department, now=NOW
            )
        add_user(session, "fiona", roles=("finance_head",), now=NOW)
    with database.transaction() as session:
        report = import_rows(
            session,
            "customers",
            read_table(data, filename="customers.csv"),
            mode="all-or-nothing",
            actor="cli",
            now=NOW,
            tz=UTC,
        )
    assert report.created == CUSTOMERS
    with database.transaction() as session:
        return {
            name: [
                row.model_dump()
                for row in session.exec(select(model).order_by(col(model.id)))  # type: ignore[attr-defined]
            ]
            for name, model in TABLES
        }


def _single(*args: Any, **kwargs: Any) -> None:
    return None  # every customer's cases through act_on_assessment


def test_cases_opened_together_are_the_cases_opened_one_by_one(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    planner = case_openings.plan_first_cases
    batches: list[int] = []
    writer = case_openings.open_cases

    def counted(session: Any, openings: Any, **kwargs: Any) -> Any:
        batches.append(len(openings))
        return writer(session, openings, **kwargs)

    monkeypatch.setattr(case_openings, "open_cases", counted)

    def some(*args: Any, **kwargs: Any) -> Any:
        if args[1].id % 3 == 0:
            return None
        return planner(*args, **kwargs)

    monkeypatch.setattr(case_openings, "plan_first_cases", _single)
    one_by_one = _imported(database)
    assert batches == []
    monkeypatch.setattr(case_openings, "plan_first_cases", planner)
    together = _imported(database)
    assert batches and max(batches) > 1
    batches.clear()
    monkeypatch.setattr(case_openings, "plan_first_cases", some)
    mixed = _imported(database)
    assert len(batches) > 1  # interleaved with the customers opened one by one

    cases = one_by_one["cases"]
    assert len(cases) > 10
    assert one_by_one["timers"] and one_by_one["case_transitions"] and one_by_one["notifications"]
    assert {a["action"] for a in one_by_one["audit_log"]} >= {"case.opened", "customer.created"}
    for table in one_by_one:
        assert together[table] == one_by_one[table], table
        assert mixed[table] == one_by_one[table], table
