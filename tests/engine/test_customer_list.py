"""The customer list: every filter, the sorts with keyset pages over ties, the total, scope, saved
views and the export (masked, formula-safe, capped)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from engine.access import DEFAULT_ROLE_PERMISSIONS, Access, Grant, access_of
from engine.customer_export import export_customers
from engine.customer_list import list_customers
from engine.customer_query import CustomerQuery, customer_query
from engine.db import Database
from engine.errors import InvalidRequestError, NotFoundError
from engine.models import AuditEntry, Customer, CustomerFlag
from engine.pagination import Keyset, encode_keyset
from engine.saved_views import delete_view, list_saved_views, save_view
from tests.engine.conftest import HEALTHY, NOW, RISKY, upsert

PHONE = "+8617099887766"
MASKED = "170****7766"


def viewer(role: str, department: str | None = None) -> Access:
    return access_of([Grant(role=role, department=department)], DEFAULT_ROLE_PERMISSIONS)


def refs(database: Database, query: CustomerQuery, **more: Any) -> list[str]:
    with database.transaction() as session:
        return [c.ref for c in list_customers(session, query=query, **more).items]


@pytest.fixture
def portfolio(workspace: Database) -> Database:
    """Six customers: two risky (high tier, active alerts, an open case), order drops flagged,
    two departments, owners and industries."""
    upsert(workspace, "A1", {**HEALTHY, "name": "Alpha"}, department="east")
    upsert(workspace, "B2", {**RISKY, "name": "Bravo"}, department="west")
    upsert(
        workspace,
        "C3",
        {**HEALTHY, "name": "Charlie", "order_volume_change_pct": -60, "industry": "retail"},
        department="east",
    )
    upsert(workspace, "D4", {**RISKY, "name": "Delta", "industry": "retail"}, department="east")
    upsert(workspace, "E5", {**HEALTHY, "name": "echo"}, department="west")
    upsert(workspace, "F6", {**HEALTHY, "name": "Foxtrot", "contact_phone": PHONE})
    with workspace.transaction() as session:
        for row in session.exec(select(Customer)):
            row.owner = "li" if row.external_ref in ("A1", "D4") else "wang"
            session.add(row)
    return workspace


def test_each_filter_keeps_the_customers_it_names(portfolio: Database) -> None:
    assert refs(portfolio, CustomerQuery(tier="high")) == ["B2", "D4"]
    assert refs(portfolio, CustomerQuery(department="west")) == ["B2", "E5"]
    assert refs(portfolio, CustomerQuery(owner="li")) == ["A1", "D4"]
    assert refs(portfolio, CustomerQuery(industry="retail")) == ["C3", "D4"]
    assert refs(portfolio, CustomerQuery(flag="order_drop")) == ["C3"]
    assert refs(portfolio, CustomerQuery(has_open_case=True)) == ["B2", "D4"]
    assert refs(portfolio, CustomerQuery(has_open_case=False)) == ["A1", "C3", "E5", "F6"]
    assert refs(portfolio, CustomerQuery(alert="any")) == ["B2", "D4"]
    assert refs(portfolio, CustomerQuery(alert="critical")) == ["B2", "D4"]
    assert refs(portfolio, CustomerQuery(alert="info")) == []
    assert refs(portfolio, CustomerQuery(alert="none")) == ["A1", "C3", "E5", "F6"]
    assert refs(portfolio, CustomerQuery(search="ECHO")) == ["E5"]
    assert refs(portfolio, CustomerQuery(search="c3")) == ["C3"]
    assert refs(portfolio, CustomerQuery(tier="high", department="east")) == ["D4"]


def test_a_flag_filter_matches_whole_flag_names_only(portfolio: Database) -> None:
    assert refs(portfolio, CustomerQuery(flag="order")) == []
    assert refs(portfolio, CustomerQuery(flag="order_dro_")) == []  # `_` is no wildcard


def test_search_wildcards_are_taken_literally(portfolio: Database) -> None:
    assert refs(portfolio, CustomerQuery(search="%")) == []
    assert refs(portfolio, CustomerQuery(search="_")) == []


def test_the_total_counts_every_match_not_the_page(portfolio: Database) -> None:
    with portfolio.transaction() as session:
        page = list_customers(session, query=CustomerQuery(department="east"), limit=1)
        everyone = list_customers(session, limit=2)
    assert (len(page.items), page.total) == (1, 4)
    assert everyone.total == 6


def test_scope_limits_the_list_and_its_total(portfolio: Database) -> None:
    with portfolio.transaction() as session:
        west = list_customers(session, scope=frozenset({"west"}))
        nowhere = list_customers(session, scope=frozenset())
    assert [c.ref for c in west.items] == ["B2", "E5"] and west.total == 2
    assert nowhere.items == () and nowhere.total == 0


def walk(database: Database, query: CustomerQuery, size: int) -> list[str]:
    """Every page forward, then every page back from the last, as refs."""
    forward: list[str] = []
    pages = []
    cursor = None
    with database.transaction() as session:
        while True:
            page = list_customers(session, query=query, cursor=cursor, limit=size)
            pages.append(page)
            forward.extend(c.ref for c in page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        back: list[str] = []
        cursor = pages[-1].previous_cursor
        while cursor is not None:
            page = list_customers(session, query=query, cursor=cursor, limit=size)
            back[:0] = [c.ref for c in page.items]
            cursor = page.previous_cursor
    assert back == forward[: len(back)] and len(back) == len(forward) - len(pages[-1].items)
    return forward


def test_sorting_by_score_pages_over_ties_by_id_both_ways(portfolio: Database) -> None:
    # A1 and E5 tie on score (ties follow the direction's id order); F6 is unscored now: rows
    # without a score come last either way
    with portfolio.transaction() as session:
        row = session.exec(select(Customer).where(Customer.external_ref == "F6")).one()
        row.score, row.tier, row.tier_rank = None, None, None
        session.add(row)
    ascending = CustomerQuery(sort="score")
    assert walk(portfolio, ascending, 2) == ["A1", "E5", "C3", "D4", "B2", "F6"]
    descending = CustomerQuery(sort="score", direction="desc")
    assert walk(portfolio, descending, 2) == ["B2", "D4", "C3", "E5", "A1", "F6"]


# 30 points (overdue over 90 days, no guarantee): the example ruleset's medium tier
MEDIUM: dict[str, Any] = {**HEALTHY, "max_overdue_days": 120, "has_guarantee": False}


def test_sorting_by_tier_goes_by_severity_riskiest_first_descending_unscored_last(
    portfolio: Database,
) -> None:
    # the example's tiers block declares high, medium, low: ranks 3, 2, 1
    upsert(portfolio, "M7", {**MEDIUM, "name": "Mike"}, department="east")
    with portfolio.transaction() as session:
        row = session.exec(select(Customer).where(Customer.external_ref == "F6")).one()
        row.score, row.tier, row.tier_rank = None, None, None
        session.add(row)
        ranks = {c.external_ref: (c.tier, c.tier_rank) for c in session.exec(select(Customer))}
    assert ranks["B2"] == ("high", 3) and ranks["M7"] == ("medium", 2)
    assert ranks["A1"] == ("low", 1) and ranks["F6"] == (None, None)
    # pages of two cross every tier boundary, and the unscored range, both ways
    descending = CustomerQuery(sort="tier", direction="desc")
    assert walk(portfolio, descending, 2) == ["D4", "B2", "M7", "E5", "C3", "A1", "F6"]
    ascending = CustomerQuery(sort="tier")
    assert walk(portfolio, ascending, 2) == ["A1", "C3", "E5", "M7", "B2", "D4", "F6"]
    assert walk(portfolio, CustomerQuery(sort="tier", tier="high"), 1) == ["B2", "D4"]


def flag_rows(database: Database) -> set[tuple[str, str]]:
    with database.transaction() as session:
        refs = {c.id: c.external_ref for c in session.exec(select(Customer))}
        return {(refs[f.customer_id], f.flag) for f in session.exec(select(CustomerFlag))}


def test_an_update_keeps_the_customers_flag_rows_exactly_its_latest_flags(
    portfolio: Database,
) -> None:
    # every example customer lacks payment data (incomplete_profile); C3's orders dropped
    assert flag_rows(portfolio) == {
        *((ref, "incomplete_profile") for ref in ("A1", "B2", "C3", "D4", "E5", "F6")),
        ("C3", "order_drop"),
    }
    recovered = {**HEALTHY, "name": "Charlie", "industry": "retail", "avg_days_to_pay": 30}
    upsert(portfolio, "C3", recovered, department="east", now=NOW + timedelta(hours=1))
    litigated = {**HEALTHY, "name": "Alpha", "lawsuit_count_12m": 3}
    upsert(portfolio, "A1", litigated, department="east", now=NOW + timedelta(hours=1))
    found = flag_rows(portfolio)
    assert {f for ref, f in found if ref == "C3"} == set()  # both lost
    assert {f for ref, f in found if ref == "A1"} == {"incomplete_profile", "litigation"}
    assert {f for ref, f in found if ref == "B2"} == {"incomplete_profile"}  # untouched
    assert refs(portfolio, CustomerQuery(flag="order_drop")) == []
    assert refs(portfolio, CustomerQuery(flag="litigation")) == ["A1"]


def test_deleting_a_customer_deletes_its_flag_rows(portfolio: Database) -> None:
    with portfolio.transaction() as session:
        # a bare customer with its flags (no assessments or events refer to it)
        bare = Customer(external_ref="Z9", name="Zulu", data={}, created_at=NOW, updated_at=NOW)
        session.add(bare)
        session.flush()
        assert bare.id is not None
        session.add(CustomerFlag(customer_id=bare.id, flag="order_drop"))
    assert ("Z9", "order_drop") in flag_rows(portfolio)
    with portfolio.transaction() as session:
        session.delete(session.get(Customer, bare.id))
    assert ("Z9", "order_drop") not in flag_rows(portfolio)
    assert refs(portfolio, CustomerQuery(flag="order_drop")) == ["C3"]


def test_sorting_by_name_ref_and_time_pages_through_every_row_once(portfolio: Database) -> None:
    by_name = walk(portfolio, CustomerQuery(sort="name"), 4)
    assert by_name == ["A1", "B2", "C3", "D4", "F6", "E5"]  # "echo" sorts after capitals
    assert walk(portfolio, CustomerQuery(sort="ref", direction="desc"), 5) == [
        "F6",
        "E5",
        "D4",
        "C3",
        "B2",
        "A1",
    ]
    upsert(
        portfolio,
        "A1",
        {**HEALTHY, "name": "Alpha", "max_overdue_days": 3},
        department="east",
        now=NOW + timedelta(hours=1),
    )
    assert walk(portfolio, CustomerQuery(sort="updated_at", direction="desc"), 1)[0] == "A1"


def test_a_cursor_of_another_sort_or_a_forged_one_is_refused(portfolio: Database) -> None:
    with portfolio.transaction() as session:
        page = list_customers(session, query=CustomerQuery(sort="name"), limit=2)
        with pytest.raises(InvalidRequestError, match="sorted by 'name', not score"):
            list_customers(session, query=CustomerQuery(sort="score"), cursor=page.next_cursor)
        with pytest.raises(InvalidRequestError, match="not one this list gave out"):
            list_customers(session, cursor="eyJzIjoiaWQifQ")
        forged = (
            Keyset(sort="id", value=1, last_id=2**40),
            Keyset(sort="name", value="a\x00", last_id=1),
            Keyset(sort="score", value=10**400, last_id=1),
            Keyset(sort="updated_at", value="yesterday", last_id=1),
            # a tier cursor carries the rank: not a tier's name (as before 0014), a bool, a
            # negative rank, or one past PostgreSQL's integer
            Keyset(sort="tier", value="high", last_id=1),
            Keyset(sort="tier", value=True, last_id=1),
            Keyset(sort="tier", value=-1, last_id=1),
            Keyset(sort="tier", value=2**40, last_id=1),
            Keyset(sort="tier", value=2.5, last_id=1),
        )
        for keyset in forged:
            query = CustomerQuery(sort=keyset.sort)
            with pytest.raises(InvalidRequestError, match="not one this list gave out"):
                list_customers(session, query=query, cursor=encode_keyset(keyset))


def test_the_query_is_read_from_request_parameters_and_bad_values_are_named() -> None:
    query = customer_query(
        {
            "tier": " high ",
            "open_case": "yes",
            "alert": "critical",
            "sort": "score",
            "direction": "desc",
            "search": "",
            "page": "ignored",
        }
    )
    assert query == CustomerQuery(
        tier="high", has_open_case=True, alert="critical", sort="score", direction="desc"
    )
    assert query.params() == {
        "tier": "high",
        "open_case": "yes",
        "alert": "critical",
        "sort": "score",
        "direction": "desc",
    }
    for params, message in (
        ({"sort": "colour"}, "unknown sort 'colour'; expected one of id, name, ref, score"),
        ({"direction": "up"}, "unknown direction 'up'; expected one of asc, desc"),
        ({"open_case": "maybe"}, "unknown open_case 'maybe'; expected one of yes, no"),
        ({"alert": "red"}, "unknown alert 'red'; expected one of any, none, info"),
        ({"search": "x" * 201}, "search is longer than 200 characters"),
    ):
        with pytest.raises(InvalidRequestError) as caught:
            customer_query(params)
        assert message in str(caught.value)


def test_saved_views_are_each_users_own_and_audited(portfolio: Database) -> None:
    query = CustomerQuery(tier="high", sort="score", direction="desc")
    with portfolio.transaction() as session:
        saved = save_view(session, "li", "Risky first", query, now=NOW)
        save_view(session, "wang", "Mine", CustomerQuery(owner="wang"), now=NOW)
        again = save_view(session, "li", "Risky first", CustomerQuery(tier="high"), now=NOW)
        with pytest.raises(InvalidRequestError, match="needs a name"):
            save_view(session, "li", "  ", query, now=NOW)
    assert again.id == saved.id  # the same name replaces
    with portfolio.transaction() as session:
        mine = list_saved_views(session, "li")
        assert [(v.name, v.params) for v in mine] == [("Risky first", {"tier": "high"})]
        with pytest.raises(NotFoundError):
            delete_view(session, "wang", saved.id, now=NOW)
        delete_view(session, "li", saved.id, now=NOW)
    with portfolio.transaction() as session:
        assert list_saved_views(session, "li") == ()
        assert [v.name for v in list_saved_views(session, "wang")] == ["Mine"]
        actions = [
            (e.actor, e.action)
            for e in session.exec(
                select(AuditEntry).where(AuditEntry.entity_kind == "customer_view")
            )
        ]
    assert actions == [
        ("li", "customer_view.saved"),
        ("wang", "customer_view.saved"),
        ("li", "customer_view.saved"),
        ("li", "customer_view.deleted"),
    ]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_export_masks_sensitive_values_unless_the_viewer_may_see_them(
    portfolio: Database,
) -> None:
    query = CustomerQuery(search="Foxtrot")
    with portfolio.transaction() as session:
        sales = export_customers(
            session, query, file_format="csv", viewer=viewer("sales"), scope=None
        )
        finance = export_customers(
            session, query, file_format="csv", viewer=viewer("finance_head"), scope=None
        )
    header, row = csv_rows(sales.content)
    phone = header.index("contact_phone")
    assert header[:3] == ["ref", "name", "department"]
    assert row[phone] == MASKED and PHONE not in sales.content.decode()
    assert csv_rows(finance.content)[1][phone] == PHONE
    assert (sales.rows, sales.is_capped, sales.media_type) == (1, False, "text/csv; charset=utf-8")


def test_the_export_keeps_formula_looking_text_as_text(portfolio: Database) -> None:
    upsert(portfolio, "=HYPERLINK(1)", {**HEALTHY, "name": "@SUM(A1:A9)"}, department="east")
    query = CustomerQuery(search="sum(")
    with portfolio.transaction() as session:
        as_csv = export_customers(session, query, file_format="csv", viewer=None, scope=None)
        as_xlsx = export_customers(session, query, file_format="xlsx", viewer=None, scope=None)
    assert csv_rows(as_csv.content)[1][:2] == ["'=HYPERLINK(1)", "'@SUM(A1:A9)"]
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    ref, name = sheet["A2"], sheet["B2"]
    assert (ref.value, ref.data_type, name.value, name.data_type) == (
        "=HYPERLINK(1)",
        "s",
        "@SUM(A1:A9)",
        "s",
    )


def test_the_export_is_capped_and_says_so(portfolio: Database) -> None:
    with portfolio.transaction() as session:
        capped = export_customers(
            session,
            CustomerQuery(sort="name"),
            file_format="csv",
            viewer=None,
            scope=frozenset({"east"}),
            limit=2,
        )
        with pytest.raises(InvalidRequestError, match="unknown export format 'pdf'"):
            export_customers(session, CustomerQuery(), file_format="pdf", viewer=None, scope=None)
    rows = csv_rows(capped.content)
    assert [r[0] for r in rows[1:3]] == ["A1", "C3"]
    assert rows[3] == ["cut at 2 rows: narrow the filters"]
    assert (capped.rows, capped.is_capped) == (2, True)
