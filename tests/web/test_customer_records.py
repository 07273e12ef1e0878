"""A customer's 360 (issue 12, "Customer 360"): its events a page at a time, filtered by kind
and labelled by their forms; its credit terms' changes with before and after, case and approver;
its alerts, open and resolved; its data by the form's sections. On the page (htmx for the events)
and over the API, within the caller's department scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.customers import find_customer
from engine.db import Database
from engine.events import EventInput, record_event
from engine.pagination import encode_cursor
from engine.terms import ChangeOrigin, change_terms
from tests.web.conftest import HEALTHY, RISKY, TERMS, ApiClient, PageClient, upsert

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _events(database: Database, ref: str, count: int) -> None:
    """`count` payments a day apart, then one overdue invoice (the newest)."""
    with database.transaction() as session:
        for n in range(count):
            payload = {"invoice_no": f"INV-{n}", "amount": 1000 + n, "days_late": n}
            record_event(
                session, ref, EventInput(kind="payment", occurred_at=NOW - timedelta(days=30 - n),
                                         payload=payload, source="erp"),
                actor="api", now=NOW, tz=UTC,
            )  # fmt: skip
        record_event(
            session, ref,
            EventInput(kind="overdue_invoice", occurred_at=NOW,
                       payload={"invoice_no": "INV-99", "amount": 5000, "days_overdue": 12}),
            actor="api", now=NOW, tz=UTC,
        )  # fmt: skip


def _terms_changed(database: Database, ref: str) -> None:
    with database.transaction() as session:
        customer = find_customer(session, ref)
        change_terms(
            session, customer, {"credit_limit": 200000, "payment_terms_days": 30},
            case_id=None, actor="fin", now=NOW,
            origin=ChangeOrigin(approver="cfo_wang", restore_at=NOW + timedelta(days=90)),
        )  # fmt: skip


def test_the_page_lists_events_by_kind_a_page_at_a_time(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C001", HEALTHY, terms=TERMS)
    _events(workspace, "C001", 12)
    pages.login("sam", ["sales_manager"])
    page = pages.get("/customers/C001")
    events = page.context["overview"].events
    assert events.total == 13 and len(events.items) == 10 and events.next_cursor
    assert events.kinds == (("overdue_invoice", "Overdue invoice", 1), ("payment", "Payment", 12))
    newest = events.items[0]
    assert newest.kind_label == "Overdue invoice"
    assert newest.fields == (
        ("Invoice number", "text", "INV-99"), ("Amount overdue", "money", 5000),
        ("Days overdue", "integer", 12),
    )  # fmt: skip
    assert "Amount overdue: 5,000" in page.text and "Events: 13" in page.text

    # the filter and the next page answer htmx with the events block alone
    payments = pages.get(
        "/customers/C001", params={"event_kind": "payment"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in payments.text and 'data-kind="overdue_invoice"' not in payments.text
    assert payments.text.count('data-kind="payment"') == 10 and "Events: 12" in payments.text
    cursor = events.next_cursor
    older = pages.get("/customers/C001", params={"events_cursor": cursor})
    rest = older.context["overview"].events.items
    assert [e.event.payload["invoice_no"] for e in rest] == ["INV-2", "INV-1", "INV-0"]
    assert older.context["overview"].events.next_cursor is None
    chinese = pages.get("/customers/C001", params={"lang": "zh"})
    assert "逾期金额: 5,000" in chinese.text and "回款" in chinese.text


def test_the_page_shows_the_terms_changes_alerts_and_data_by_section(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C001", RISKY, terms=TERMS)
    _terms_changed(workspace, "C001")
    upsert(workspace, "C001", HEALTHY)  # the alerts stop firing: resolved
    pages.login("sam", ["sales_manager"])
    page = pages.get("/customers/C001")
    overview = page.context["overview"]
    (change,) = overview.terms_changes
    assert (change.approver, change.case_id) == ("cfo_wang", None)
    assert [(r.name, r.proposed) for r in change.rows] == [
        ("credit_limit", 200000), ("payment_terms_days", 30),
    ]  # fmt: skip
    row = page.text.split(f'<tr data-change="{change.id}">', 1)[1].split("</tr>", 1)[0]
    assert "Credit limit: " in row and "<strong>200,000</strong>" in row
    assert "cfo_wang" in row and "temporary: to be restored" in row
    assert {(a.rule, a.status) for a in overview.alerts} == {
        ("severe_overdue", "resolved"), ("court_enforcement", "resolved"),
    }  # fmt: skip
    assert page.text.count('data-status="resolved"') == 2
    titles = [title for title, _fields in overview.sections]
    assert titles == ["Company", "Payment behaviour", "Legal and news", "Relationship"]
    assert '<h3 class="section-title">Payment behaviour</h3>' in page.text
    # the score history drawn: one dot per assessment, the table beside it
    assert 'id="chart-scores"' in page.text and page.text.count('<circle class="dot') == 2
    # the raw data block with field ids is gone: every value is shown under its label
    assert "<dt>max_overdue_days</dt>" not in page.text


def test_the_api_reads_events_and_terms_changes_within_scope(
    workspace: Database, api: ApiClient
) -> None:
    upsert(workspace, "C001", HEALTHY, terms=TERMS)  # department east
    _events(workspace, "C001", 3)
    _terms_changed(workspace, "C001")
    reader = api.as_user("sam", ["sales_manager"])
    found = reader.get("/api/v1/customers/C001/events", params={"limit": 2})
    assert found.status_code == 200, found.text
    body = found.json()
    assert (body["total"], len(body["items"])) == (4, 2)
    assert body["items"][0]["kind"] == "overdue_invoice"
    assert {k["kind"]: k["events"] for k in body["kinds"]} == {"overdue_invoice": 1, "payment": 3}
    more = reader.get(
        "/api/v1/customers/C001/events", params={"limit": 2, "cursor": body["next_cursor"]}
    ).json()
    assert [e["payload"]["invoice_no"] for e in more["items"]] == ["INV-1", "INV-0"]
    assert more["next_cursor"] is None
    payments = reader.get("/api/v1/customers/C001/events", params={"kind": "payment"}).json()
    assert payments["total"] == 3 and {e["kind"] for e in payments["items"]} == {"payment"}
    foreign = reader.get("/api/v1/customers/C001/events", params={"cursor": "eyJhZnRlciI6OTk5fQ"})
    assert foreign.status_code == 422, foreign.text
    huge = encode_cursor(10**30)  # past any row id the databases hold: refused, not a 500
    assert reader.get("/api/v1/customers/C001/events", params={"cursor": huge}).status_code == 422

    changes = reader.get("/api/v1/customers/C001/terms-changes", headers={"Accept-Language": "zh"})
    assert changes.status_code == 200, changes.text
    (change,) = changes.json()["items"]
    assert change["approver"] == "cfo_wang" and change["restore_at"] is not None
    assert [(c["name"], c["label"], c["after"]) for c in change["changes"]] == [
        ("credit_limit", "信用额度", 200000), ("payment_terms_days", "账期（天）", 30),
    ]  # fmt: skip

    # another department's reader does not see the customer at all
    west = api.as_user("wes", ["sales_manager"], department="west")
    assert west.get("/api/v1/customers/C001/events").status_code == 404
    assert west.get("/api/v1/customers/C001/terms-changes").status_code == 404
