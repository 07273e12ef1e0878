"""The bulk write path of a customers import (engine.customer_import) ends where single upserts
end: the same customers, assessments, tiers, alerts, cases, notifications and audit actions, for a
file of new customers and then a file that changes a third of them; on both databases."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bench.imports import portfolio_csv
from engine import audit, crypto
from engine.customer_data import without_computed
from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.import_kinds import ImportKind, importer_for
from engine.imports import _columns, import_rows
from engine.models import Alert, Assessment, AuditEntry, Case, Customer, CustomerFlag
from engine.models_casework import Notification
from engine.templates import import_template
from forms import Table, read_table
from tests.conftest import EXAMPLE_TEMPLATE, empty_tables
from tests.engine.conftest import NOW

ROWS = 240
LATER = NOW + timedelta(days=1)


def _changed(content: bytes) -> bytes:
    """The file with every third customer's overdue days raised and every fifth renamed."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    header, body = rows[0], rows[1:]
    overdue, name = header.index("max_overdue_days"), header.index("name")
    for index, row in enumerate(body):
        if index % 3 == 0:
            row[overdue] = str(int(row[overdue]) + 95)
        if index % 5 == 0:
            row[name] = row[name] + " (renamed)"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    return out.getvalue().encode("utf-8")


def _fresh(database: Database) -> None:
    empty_tables(database)
    with database.transaction() as session:
        import_template(session, EXAMPLE_TEMPLATE, actor="admin", now=NOW, base_currency="CNY")


def _bulk(database: Database, table: Table, *, now: Any) -> tuple[int, int, int]:
    with database.transaction() as session:
        report = import_rows(
            session, "customers", table, mode="valid-rows", actor="cli", now=now, tz=UTC
        )
    assert report.rejected == 0, report.errors
    return report.created, report.updated, report.cases_opened


def _one_by_one(database: Database, table: Table, *, now: Any) -> tuple[int, int, int]:
    """The rows through `upsert_customer`, each in a savepoint, as the import wrote them before
    the bulk path: the stored values of the columns the file lacks kept, unchanged rows not
    written."""
    created = updated = opened = 0
    with database.transaction() as session:
        importer = importer_for(
            ImportKind.CUSTOMERS, session, actor="cli", now=now, tz=UTC, source="import"
        )
        columns = _columns(importer, table, None)
        form = importer.form  # type: ignore[attr-defined]
        for number, cells in table.rows:
            row = importer.read(number, cells, columns, table)
            assert not row.errors, row.errors
            assert row.ref is not None
            given = {k: v for k, v in row.values.items() if k in importer.fields}  # type: ignore[attr-defined]
            terms = {k: v for k, v in row.values.items() if k in importer.terms and v is not None}  # type: ignore[attr-defined]
            existing = session.exec(
                select(Customer).where(Customer.external_ref == row.ref)
            ).first()
            data = given
            if existing is not None:
                before = crypto.customer_data(session, existing)
                data = {**without_computed(form, before), **given}
            with session.begin_nested():
                upserted = upsert_customer(
                    session,
                    row.ref,
                    CustomerInput(
                        department=row.values.get("department"),
                        data={k: v for k, v in data.items() if v is not None},
                        terms=terms or None,
                        source="import",
                    ),
                    actor="cli",
                    now=now,
                    tz=UTC,
                )
            if upserted.created:
                created += 1
            elif upserted.customer.updated_at == now:
                updated += 1
            opened += len(upserted.cases_opened)
    return created, updated, opened


def _state(session: Session) -> dict[str, Any]:
    """What both paths must leave, without the ids that number rows in another order."""
    refs = {c.id: c.external_ref for c in session.exec(select(Customer)).all()}
    customers = {
        c.external_ref: (
            c.name,
            c.department,
            crypto.customer_data(session, c),
            c.freshness,
            c.score,
            c.tier,
            c.tier_rank,
            c.row_version,
            c.credit_limit,
            c.payment_terms_days,
            c.order_hold,
            c.form_version,
        )
        for c in session.exec(select(Customer)).all()
    }
    assessments = sorted(
        (refs[a.customer_id], a.tier, a.previous_tier or "", a.score, a.as_of.isoformat())
        for a in session.exec(select(Assessment)).all()
    )
    alerts = sorted(
        (refs[a.customer_id], a.rule, a.severity, a.message, a.status)
        for a in session.exec(select(Alert)).all()
    )
    cases = sorted(
        (refs[c.customer_id], c.workflow_key, str(c.status), c.step)
        for c in session.exec(select(Case)).all()
    )
    actions = Counter(
        (e.action, e.customer_ref)
        for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
        if e.action != "customers.imported"
    )
    notifications = sorted(
        (n.recipient, n.kind, n.customer_ref or "")
        for n in session.exec(select(Notification)).all()
    )
    flags = sorted((refs[f.customer_id], f.flag) for f in session.exec(select(CustomerFlag)).all())
    return {
        "customers": customers,
        "flags": flags,
        "assessments": assessments,
        "alerts": alerts,
        "cases": cases,
        "actions": actions,
        "notifications": notifications,
    }


def test_bulk_import_ends_as_single_upserts_end(database: Database) -> None:
    content = portfolio_csv(ROWS)
    first = read_table(content, filename="portfolio.csv")
    second = read_table(_changed(content), filename="portfolio.csv")

    _fresh(database)
    single = (_one_by_one(database, first, now=NOW), _one_by_one(database, second, now=LATER))
    with database.transaction() as session:
        expected = _state(session)

    _fresh(database)
    bulk = (_bulk(database, first, now=NOW), _bulk(database, second, now=LATER))
    with database.transaction() as session:
        found = _state(session)
        assert audit.verify_chain(session) is None

    assert bulk == single
    created, _, opened = bulk[0]
    assert created == ROWS and opened > 0  # the file opens cases: the comparison covers them
    # flags and ranks of every tier are written: the comparison covers them
    assert expected["flags"] and {c[6] for c in expected["customers"].values()} == {1, 2, 3}
    assert bulk[1][1] > 0
    for part in expected:
        assert found[part] == expected[part], part
