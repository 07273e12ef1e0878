"""Bulk import through the engine: every row accounted for, both modes, CSV and XLSX, on both
databases; the same file twice changes nothing; imported customers are scored and open their
cases once (engine.imports)."""

from __future__ import annotations

import io
from datetime import UTC, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import Session, col, select

from engine import case_openings
from engine.db import Database
from engine.freshness import freshness_view
from engine.import_kinds import RowError
from engine.imports import ImportReport, import_rows, rejected_csv
from engine.models import Assessment, AuditEntry, Case, Customer, Event
from forms import Table, read_table, uscc_check_character
from tests.conftest import EXAMPLE_TEMPLATE
from tests.engine.conftest import NOW

HEADER = (
    "external_ref,name,department,industry,max_overdue_days,enforcement_records,"
    "outstanding_balance,has_guarantee,credit_limit"
)
# rows 2..6: good, bad choice, good (thousand separators, 是), bad number, good
MIXED = f"""{HEADER}
C1,Hangzhou Bearings,east,manufacturing,0,0,"100,000",Y,"1,000,000"
C2,Bad Industry Co,east,farming,0,0,1000,N,
C3,沈阳正阳,north,energy,１０,0,"1,234,567.89",是,
C4,Bad Number Ltd,east,retail,"1.234,5",0,10,N,
C5,Shaky Trading,east,construction,120,2,900000,否,1000000
"""


def _import(
    database: Database, table: Table, *, mode: str = "valid-rows", kind: str = "customers"
) -> ImportReport:
    with database.transaction() as session:
        return import_rows(session, kind, table, mode=mode, actor="cli", now=NOW, tz=UTC)


def _csv(text: str, name: str = "customers.csv") -> Table:
    return read_table(text.encode("utf-8"), filename=name)


def _xlsx(text: str) -> Table:
    """The CSV's rows as a workbook, numbers as number cells, as Excel saves them."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(_csv(text).header))
    for _, cells in _csv(text).rows:
        row: list[object] = []
        for cell in cells:
            assert isinstance(cell, str)
            row.append(int(cell) if cell.isdigit() else (cell or None))
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return read_table(out.getvalue(), filename="customers.xlsx")


def _count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def _stored(error: RowError) -> dict[str, object]:
    """The error as a report stores it, without its wording (tested in test_import_wording)."""
    stored = error.to_dict()
    assert stored.pop("wording", None) is not None
    return stored


def _counts(report: ImportReport) -> tuple[int, int, int, int, int]:
    assert report.created + report.updated + report.unchanged + report.rejected == report.rows
    return report.rows, report.created, report.updated, report.unchanged, report.rejected


@pytest.mark.parametrize("reader", [_csv, _xlsx], ids=["csv", "xlsx"])
def test_valid_rows_stores_the_good_rows_and_reports_the_bad(
    workspace: Database, reader: object
) -> None:
    assert callable(reader)
    report = _import(workspace, reader(MIXED), mode="valid-rows")
    assert _counts(report) == (5, 3, 0, 0, 2)
    assert report.rejected_rows == (3, 5)
    assert [_stored(e) for e in report.errors] == [
        {
            "row": 3,
            "column": "industry",
            "code": "not-an-option",
            "message": "Industry must be one of manufacturing, retail, internet, construction, "
            "trade, energy, found the text 'farming'",
        },
        {
            "row": 5,
            "column": "max_overdue_days",
            "code": "ambiguous-number",
            "message": "'1.234,5' is ambiguous: write numbers with '.' before the decimals and "
            "',' only between groups of three digits, such as 1,234,567.89",
        },
    ]
    with workspace.transaction() as session:
        stored = {c.external_ref: c for c in session.exec(select(Customer)).all()}
        assert sorted(stored) == ["C1", "C3", "C5"]
        assert stored["C3"].data["outstanding_balance"] == 1234567.89
        assert stored["C3"].data["max_overdue_days"] == 10
        assert stored["C3"].data["has_guarantee"] is True
        assert stored["C1"].credit_limit == 1_000_000
        assert all(c.tier is not None for c in stored.values())  # scored
        imports = session.exec(
            select(AuditEntry).where(col(AuditEntry.action) == "customers.imported")
        ).all()
        assert len(imports) == 1
        assert imports[0].detail["rejected"] == 2


@pytest.mark.parametrize("reader", [_csv, _xlsx], ids=["csv", "xlsx"])
def test_all_or_nothing_stores_nothing_when_a_row_is_rejected(
    workspace: Database, reader: object
) -> None:
    assert callable(reader)
    report = _import(workspace, reader(MIXED), mode="all-or-nothing")
    assert _counts(report) == (5, 0, 0, 0, 5)
    assert report.rolled_back
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (3, "industry", "not-an-option"),
        (5, "max_overdue_days", "ambiguous-number"),
    ]
    with workspace.transaction() as session:
        assert _count(session, Customer) == 0
        assert _count(session, Assessment) == 0
        assert _count(session, Case) == 0


def test_all_or_nothing_rolls_back_on_an_engine_refusal(workspace: Database) -> None:
    # row 3 passes every cell check but changes the terms of an existing customer
    _import(workspace, _csv(f"{HEADER}\nC9,Old Co,east,retail,0,0,10,N,500000\n"))
    text = f"{HEADER}\nC1,New Co,east,retail,0,0,10,N,\nC9,Old Co,east,retail,0,0,10,N,700000\n"
    report = _import(workspace, _csv(text), mode="all-or-nothing")
    assert _counts(report) == (2, 0, 0, 0, 2)
    assert [(e.row, e.column, e.code, e.message) for e in report.errors] == [
        (3, None, "conflict", "credit terms change only through workflows")
    ]
    with workspace.transaction() as session:
        assert sorted(c.external_ref for c in session.exec(select(Customer)).all()) == ["C9"]
    # and in valid-rows mode only that row is refused
    report = _import(workspace, _csv(text), mode="valid-rows")
    assert _counts(report) == (2, 1, 0, 0, 1)


def test_all_good_rows_in_all_or_nothing(workspace: Database) -> None:
    good = "\n".join(line for i, line in enumerate(MIXED.splitlines()) if i not in (2, 4))
    report = _import(workspace, _csv(good + "\n"), mode="all-or-nothing")
    assert _counts(report) == (3, 3, 0, 0, 0)
    assert not report.rolled_back


def test_the_same_file_twice_changes_nothing_the_second_time(workspace: Database) -> None:
    table = read_table(
        (EXAMPLE_TEMPLATE / "data" / "customers.csv").read_bytes(), filename="customers.csv"
    )
    first = _import(workspace, table, mode="all-or-nothing")
    assert _counts(first) == (30, 30, 0, 0, 0)
    with workspace.transaction() as session:
        before = (_count(session, Assessment), _count(session, AuditEntry), _count(session, Case))
        versions = {c.external_ref: c.row_version for c in session.exec(select(Customer)).all()}
    second = _import(workspace, table, mode="all-or-nothing")
    assert _counts(second) == (30, 0, 0, 30, 0)
    with workspace.transaction() as session:
        after = (_count(session, Assessment), _count(session, AuditEntry), _count(session, Case))
        assert after == (before[0], before[1] + 1, before[2])  # the import's own audit row
        assert {
            c.external_ref: c.row_version for c in session.exec(select(Customer)).all()
        } == versions


def test_a_high_risk_customer_is_scored_and_opens_one_case(workspace: Database) -> None:
    risky = f"{HEADER}\nC5,Shaky Trading,east,construction,120,2,900000,N,1000000\n"
    report = _import(workspace, _csv(risky))
    assert _counts(report) == (1, 1, 0, 0, 0)
    assert report.cases_opened == 1
    with workspace.transaction() as session:
        customer = session.exec(select(Customer)).one()
        assert customer.tier == "high"
        cases = session.exec(select(Case)).all()
        assert [(c.customer_id, c.workflow_key) for c in cases] == [
            (customer.id, "high_risk_review")
        ]
    again = _import(workspace, _csv(risky))
    assert _counts(again) == (1, 0, 0, 1, 0)
    with workspace.transaction() as session:
        assert _count(session, Case) == 1


def test_a_file_with_some_columns_updates_only_those(workspace: Database) -> None:
    _import(workspace, _csv(MIXED))
    report = _import(workspace, _csv("ref,最长逾期天数\nC1,95\nC3,10\n"))
    assert _counts(report) == (2, 0, 1, 1, 0)
    with workspace.transaction() as session:
        c1 = session.exec(select(Customer).where(col(Customer.external_ref) == "C1")).one()
        assert c1.data["max_overdue_days"] == 95
        assert c1.data["outstanding_balance"] == 100000  # not in the file: kept
        assert c1.department == "east"


def test_a_reference_twice_in_a_file_rejects_the_later_row(workspace: Database) -> None:
    text = (
        f"{HEADER}\nC1,A,east,retail,0,0,1,N,\nC1,B,east,retail,0,0,2,N,\n,C,east,retail,0,0,3,N,\n"
    )
    report = _import(workspace, _csv(text))
    assert _counts(report) == (3, 1, 0, 0, 2)
    assert [_stored(e) for e in report.errors] == [
        {
            "row": 3,
            "column": "external_ref",
            "code": "duplicate-ref",
            "message": "row 2 has the same reference 'C1'",
        },
        {
            "row": 4,
            "column": "external_ref",
            "code": "missing-ref",
            "message": "the row has no customer reference (external_ref)",
        },
    ]


def test_the_rejected_rows_file_holds_the_rows_as_they_were_and_imports_again(
    workspace: Database,
) -> None:
    table = _csv(MIXED)
    report = _import(workspace, table)
    out = rejected_csv(table, report)
    assert out.startswith("\ufeff" + HEADER + ",reason\r\n")
    lines = out.lstrip("\ufeff").splitlines()
    assert lines[1] == (
        "C2,Bad Industry Co,east,farming,0,0,1000,N,,"
        '"industry: Industry must be one of manufacturing, retail, internet, construction, '
        "trade, energy, found the text 'farming' [not-an-option]\""
    )
    assert lines[2].startswith('C4,Bad Number Ltd,east,retail,"1.234,5",0,10,N,,')
    # imported as is: the reason column is ignored, the same rows are refused again
    again = read_table(out.encode("utf-8"), filename="rejected.csv")
    second = _import(workspace, again)
    assert _counts(second) == (2, 0, 0, 0, 2)
    assert [(e.row, e.column, e.code) for e in second.errors] == [
        (2, "industry", "not-an-option"),
        (3, "max_overdue_days", "ambiguous-number"),
    ]
    # fixed, it goes in; its own rejected file replaces the reason column, never adds one
    fixed = out.replace("farming", "retail").replace('"1.234,5"', "1234")
    third = _import(workspace, read_table(fixed.encode("utf-8"), filename="fixed.csv"))
    assert _counts(third) == (2, 2, 0, 0, 0)


def test_all_or_nothing_rejected_file_says_why_good_rows_were_not_imported(
    workspace: Database,
) -> None:
    table = _csv(MIXED)
    report = _import(workspace, table, mode="all-or-nothing")
    lines = rejected_csv(table, report).lstrip("\ufeff").splitlines()
    assert len(lines) == 6
    assert lines[1].endswith(",not imported: row 3 was rejected (all-or-nothing)")


EVENTS = """customer_ref,kind,occurred_at,case_no,amount,role,days_late
C1,lawsuit,2026-11-01,(2026)沪01民初1号,"250,000",defendant,
C1,payment,2026-11-20,,"10,000",,5
C1,lawsuit,03/04/2026,X,1,defendant,
C1,payment,2026-11-21T10:30,,1,,
C1,payment,yesterday,,1,,
NOPE,payment,2026-11-21,,1,,
C1,payment,2026-11-22,(2026)1,1,,
"""


def test_events_import_and_a_second_import_records_nothing(workspace: Database) -> None:
    _import(workspace, _csv(f"{HEADER}\nC1,A,east,retail,0,0,1,N,\n"))
    report = _import(workspace, _csv(EVENTS, "events.csv"), kind="events")
    assert _counts(report) == (7, 3, 0, 0, 4)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (4, "occurred_at", "ambiguous-date"),
        (6, "occurred_at", "bad-time"),
        (7, "customer_ref", "not-found"),
        (8, "case_no", "not-a-field-of-kind"),
    ]
    with workspace.transaction() as session:
        events = session.exec(select(Event).order_by(col(Event.id))).all()
        assert [(e.kind, e.payload.get("amount")) for e in events] == [
            ("lawsuit", 250000),
            ("payment", 10000),
            ("payment", 1),
        ]
        assert {e.source for e in events} == {"import"}
        assessments = _count(session, Assessment)
    again = _import(workspace, _csv(EVENTS, "events.csv"), kind="events")
    assert _counts(again) == (7, 0, 0, 3, 4)
    with workspace.transaction() as session:
        assert _count(session, Event) == 3
        assert _count(session, Assessment) == assessments


def test_an_import_at_another_time_is_still_unchanged(workspace: Database) -> None:
    _import(workspace, _csv(MIXED))
    with workspace.transaction() as session:
        report = import_rows(
            session,
            "customers",
            _csv(MIXED),
            mode="valid-rows",
            actor="cli",
            now=NOW + timedelta(days=1),
            tz=UTC,
        )
    assert _counts(report) == (5, 0, 0, 3, 2)


@pytest.fixture
def uscc_workspace(database: Database) -> Database:
    """The example template as it ships: its customer form has a `uscc` field."""
    from engine.templates import import_template

    with database.transaction() as session:
        import_template(session, EXAMPLE_TEMPLATE, actor="admin", now=NOW, base_currency="CNY")
    return database


def _uscc(first17: str) -> str:
    return first17 + uscc_check_character(first17)


def test_rows_match_on_uscc_when_the_form_has_one(uscc_workspace: Database) -> None:
    one, two = _uscc("91330100MA2B3C4D5"), _uscc("91110000600037341")
    first = f"external_ref,name,industry,统一社会信用代码\nC1,A,retail,{one}\n"
    assert _counts(_import(uscc_workspace, _csv(first))) == (1, 1, 0, 0, 0)
    # no reference: the uscc finds C1; a new uscc without a reference becomes the reference
    later = f"name,industry,统一社会信用代码,最长逾期天数\nA,retail,{one},40\nB,trade,{two},0\n"
    assert _counts(_import(uscc_workspace, _csv(later))) == (2, 1, 1, 0, 0)
    with uscc_workspace.transaction() as session:
        stored = {
            c.external_ref: c.data.get("max_overdue_days")
            for c in session.exec(select(Customer)).all()
        }
    assert stored == {"C1": 40, two: 0}


def test_a_row_matching_on_uscc_a_customer_an_earlier_row_creates_updates_it(
    uscc_workspace: Database,
) -> None:
    # row 3 has no reference: its uscc names the customer row 2 creates in the same chunk,
    # which it updates, as one upsert after another would
    one = _uscc("91330100MA2B3C4D5")
    text = (
        "external_ref,name,industry,统一社会信用代码,最长逾期天数\n"
        f"C1,A,retail,{one},0\n"
        f",A,retail,{one},40\n"
        "C2,B,trade,,0\n"
    )
    report = _import(uscc_workspace, _csv(text))
    assert _counts(report) == (3, 2, 1, 0, 0)
    with uscc_workspace.transaction() as session:
        stored = {
            c.external_ref: (c.data.get("max_overdue_days"), c.row_version)
            for c in session.exec(select(Customer)).all()
        }
        actions = [e.action for e in session.exec(select(AuditEntry)).all()]
    assert stored["C1"][0] == 40 and set(stored) == {"C1", "C2"}
    assert actions.count("customer.created") == 2 and actions.count("customer.updated") == 1


def test_a_row_refused_after_its_audit_row_leaves_the_chain_intact(
    workspace: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the customers of a batch and their audit rows are written, then acting on one's
    # assessment refuses: the batch's savepoint goes back, the batch is written again without
    # that row, and the audit chain has no gap
    from engine import audit, customer_import, evaluation
    from engine.errors import ConflictError

    acted = evaluation.act_on_assessment

    def refusing(session: Session, customer: Customer, *args: object, **kwargs: object) -> object:
        if customer.external_ref == "C3":
            raise ConflictError("scoring refused")
        return acted(session, customer, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(customer_import, "needs_acting", lambda *args, **kwargs: True)
    # every row's cases through the single path (engine.case_openings plans none)
    monkeypatch.setattr(case_openings, "plan_first_cases", lambda *args, **kwargs: None)
    monkeypatch.setattr(customer_import, "act_on_assessment", refusing)
    report = _import(workspace, _csv(MIXED), mode="valid-rows")
    assert _counts(report) == (5, 2, 0, 0, 3)
    assert [(e.row, e.code) for e in report.errors] == [
        (3, "not-an-option"),
        (4, "conflict"),
        (5, "ambiguous-number"),
    ]
    with workspace.transaction() as session:
        assert sorted(c.external_ref for c in session.exec(select(Customer)).all()) == ["C1", "C5"]
        assert audit.verify_chain(session) is None


def test_cases_refused_when_opened_together_are_opened_again_one_by_one(
    workspace: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the cases of a batch opened together are refused (which row's is not known): the batch
    # goes back and is written again with each row's cases on the single path, which finds
    # the row refused and rejects it alone
    from engine import audit, customer_import, evaluation
    from engine.errors import ConflictError

    acted = evaluation.act_on_assessment
    tried: list[int] = []

    def refusing(session: Session, customer: Customer, *args: object, **kwargs: object) -> object:
        if customer.external_ref == "C3":
            raise ConflictError("scoring refused")
        return acted(session, customer, *args, **kwargs)  # type: ignore[arg-type]

    def refusing_together(session: Session, openings: list[object], **kwargs: object) -> None:
        tried.append(len(openings))
        raise ConflictError("opening refused")

    monkeypatch.setattr(customer_import, "needs_acting", lambda *args, **kwargs: True)
    monkeypatch.setattr(case_openings, "open_cases", refusing_together)
    monkeypatch.setattr(customer_import, "act_on_assessment", refusing)
    report = _import(workspace, _csv(MIXED), mode="valid-rows")
    assert tried == [1]  # C5's case, planned with C1's and C3's (none)
    assert _counts(report) == (5, 2, 0, 0, 3)
    assert [(e.row, e.code) for e in report.errors] == [
        (3, "not-an-option"),
        (4, "conflict"),
        (5, "ambiguous-number"),
    ]
    with workspace.transaction() as session:
        assert sorted(c.external_ref for c in session.exec(select(Customer)).all()) == ["C1", "C5"]
        assert audit.verify_chain(session) is None


def test_events_from_an_xlsx_with_date_cells_and_serial_numbers(workspace: Database) -> None:
    from datetime import datetime

    _import(workspace, _csv(f"{HEADER}\nC1,A,east,retail,0,0,1,N,\n"))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["客户编号", "事件类型", "发生时间", "回款金额", "回款日期"])
    sheet.append(["C1", "payment", datetime(2026, 11, 20, 10, 30), 1200.5, datetime(2026, 11, 20)])
    sheet.append(["C1", "payment", 46345, "=A1", None])  # a serial day; a formula is text
    sheet.append(["C1", "payment", 46345, 300, 46345])
    out = io.BytesIO()
    workbook.save(out)
    table = read_table(out.getvalue(), filename="events.xlsx")
    report = _import(workspace, table, kind="events")
    assert _counts(report) == (3, 2, 0, 0, 1)
    assert [(e.row, e.column, e.code) for e in report.errors] == [(3, "回款金额", "not-a-number")]
    with workspace.transaction() as session:
        events = session.exec(select(Event).order_by(col(Event.id))).all()
        assert [(e.occurred_at.isoformat()[:16], e.payload) for e in events] == [
            ("2026-11-20T10:30", {"amount": 1200.5, "paid_on": "2026-11-20"}),
            ("2026-11-19T00:00", {"amount": 300, "paid_on": "2026-11-19"}),
        ]


def test_imported_fields_keep_import_as_their_source(uscc_workspace: Database) -> None:
    one = _uscc("91330100MA2B3C4D5")
    _import(
        uscc_workspace, _csv(f"external_ref,name,industry,统一社会信用代码\nC1,A,retail,{one}\n")
    )
    with uscc_workspace.transaction() as session:
        customer = session.exec(select(Customer)).one()
        stamps = freshness_view(customer.freshness)
    assert {stamps["industry"].source, stamps["uscc"].source} == {"import"}
    assert stamps["industry"].updated_at == NOW
