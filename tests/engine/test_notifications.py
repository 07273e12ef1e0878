"""In-app notifications (engine.notifications): recipients, delegation copies, the inbox, and
critical alerts told by the evaluation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

import workflows
from dsl import Span
from engine.db import Database
from engine.delegations import set_delegation
from engine.errors import InvalidRequestError, NotFoundError
from engine.models import Case, Customer
from engine.models_casework import Notification
from engine.notifications import (
    KINDS,
    ToOwner,
    ToPermission,
    ToRole,
    list_notifications,
    mark_all_read,
    mark_read,
    notify,
    recipients_for,
    unread_count,
)
from engine.users import add_user, set_active
from tests.engine.conftest import HEALTHY, NOW, RISKY, upsert

LATER = NOW + timedelta(minutes=5)
SPAN = Span("workflow.yaml", 1, 1, 1, 2)


@pytest.fixture
def staff(workspace: Database) -> Database:
    with workspace.transaction() as session:
        add_user(session, "east_manager", roles=("sales_manager",), department="east", now=NOW)
        add_user(session, "west_manager", roles=("sales_manager",), department="west", now=NOW)
        add_user(session, "chief", roles=("sales_manager",), now=NOW)  # everywhere
        add_user(session, "east_sales", roles=("sales",), department="east", now=NOW)
        add_user(session, "retired", roles=("sales_manager",), department="east", now=NOW)
        add_user(session, "stand_in", roles=("legal",), now=NOW)
        add_user(session, "root", roles=("admin",), now=NOW)
        set_active(session, "retired", False, actor="admin", now=NOW)
    return workspace


def _customer(database: Database, ref: str, *, owner: str | None = None) -> int:
    upsert(database, ref, HEALTHY)
    with database.transaction() as session:
        customer = session.exec(select(Customer).where(Customer.external_ref == ref)).one()
        customer.owner = owner
        session.add(customer)
        assert customer.id is not None
        return customer.id


def _send(database: Database, recipients: object, *, customer_id: int | None = None) -> list[str]:
    with database.transaction() as session:
        customer = session.get(Customer, customer_id) if customer_id is not None else None
        rows = notify(
            session,
            recipients=recipients,  # type: ignore[arg-type]
            kind="terms_changed",
            params={} if customer is not None else {"customer": "Acme"},
            customer=customer,
            now=NOW,
        )
        return [row.recipient for row in rows]


def _inbox(database: Database, user: str) -> list[Notification]:
    with database.transaction() as session:
        return list(
            session.exec(
                select(Notification)
                .where(Notification.recipient == user)
                .order_by(col(Notification.id))
            )
        )


def test_a_role_reaches_its_holders_in_the_customers_department_and_global_ones(
    staff: Database,
) -> None:
    customer_id = _customer(staff, "C-EAST")
    sent = _send(staff, ToRole("sales_manager"), customer_id=customer_id)
    # the disabled holder and the one of another department are left out
    assert sent == ["chief", "east_manager"]
    (row,) = _inbox(staff, "east_manager")
    assert (row.kind, row.customer_ref, row.department, row.link) == (
        "terms_changed",
        "C-EAST",
        "east",
        "/customers/C-EAST",
    )
    assert row.params == {"customer": "Hangzhou Bearings Co."}


def test_a_role_in_a_named_department_ignores_the_customers(staff: Database) -> None:
    customer_id = _customer(staff, "C-EAST")
    assert _send(staff, ToRole("sales_manager", "west"), customer_id=customer_id) == [
        "chief",
        "west_manager",
    ]
    # no customer and no department: only grants in no department count
    assert _send(staff, ToRole("sales_manager")) == ["chief"]


def test_names_skip_unknown_and_disabled_users_and_repeats(staff: Database) -> None:
    assert _send(staff, ["east_sales", "nobody", "retired", "east_sales", "chief"]) == [
        "east_sales",
        "chief",
    ]
    assert _send(staff, "nobody") == []


def test_the_owner_is_told_when_the_customer_has_one(staff: Database) -> None:
    assert _send(staff, ToOwner(), customer_id=_customer(staff, "C-1", owner="east_sales")) == [
        "east_sales"
    ]
    assert _send(staff, ToOwner(), customer_id=_customer(staff, "C-2")) == []


def test_a_permission_reaches_the_roles_carrying_it_but_not_admin(staff: Database) -> None:
    customer_id = _customer(staff, "C-EAST")
    # customers:write: sales_manager and department_head by default; sales and legal do not
    assert _send(staff, ToPermission("customers:write"), customer_id=customer_id) == [
        "chief",
        "east_manager",
    ]


def test_a_delegators_notification_reaches_the_delegate_too(staff: Database) -> None:
    customer_id = _customer(staff, "C-EAST")
    with staff.transaction() as session:
        set_delegation(
            session,
            user="east_manager",
            delegate="stand_in",
            starts_at=NOW - timedelta(hours=1),
            ends_at=NOW + timedelta(days=3),
            comment=None,
            actor="east_manager",
            now=NOW,
        )
        # chief delegates to east_manager, who is a recipient already: no second copy
        set_delegation(
            session,
            user="chief",
            delegate="east_manager",
            starts_at=NOW,
            ends_at=NOW + timedelta(days=3),
            comment=None,
            actor="chief",
            now=NOW,
        )
    assert _send(staff, ToRole("sales_manager"), customer_id=customer_id) == [
        "chief",
        "east_manager",
        "stand_in",
    ]
    (copy,) = _inbox(staff, "stand_in")
    assert copy.params == {"customer": "Hangzhou Bearings Co.", "for": "east_manager"}
    assert len(_inbox(staff, "east_manager")) == 1


def test_a_delegation_not_in_force_sends_no_copy(staff: Database) -> None:
    with staff.transaction() as session:
        set_delegation(
            session,
            user="east_sales",
            delegate="stand_in",
            starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=3),
            comment=None,
            actor="east_sales",
            now=NOW,
        )
    assert _send(staff, "east_sales") == ["east_sales"]


def test_an_unknown_kind_or_missing_params_is_a_programming_error(staff: Database) -> None:
    with staff.transaction() as session:
        with pytest.raises(ValueError, match="unknown notification kind 'gossip'"):
            notify(session, recipients="chief", kind="gossip", params={}, now=NOW)
        with pytest.raises(ValueError, match=r"needs the params \['case_id', 'customer', 'step'\]"):
            notify(session, recipients="chief", kind="assigned", params={}, now=NOW)


@pytest.mark.parametrize("link", ["https://evil.example", "//evil.example", "javascript:x()"])
def test_a_link_off_the_site_is_refused(staff: Database, link: str) -> None:
    with staff.transaction() as session, pytest.raises(ValueError, match="a page of this site"):
        notify(
            session,
            recipients="chief",
            kind="terms_changed",
            params={"customer": "Acme"},
            link=link,
            now=NOW,
        )


def test_a_cases_notification_takes_its_params_from_the_case(staff: Database) -> None:
    opened = upsert(staff, "C-RISKY", RISKY)
    (case_id,) = opened.cases_opened
    with staff.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.due_at is not None
        (row,) = notify(session, recipients="chief", kind="reminder", params={}, case=case, now=NOW)
        assert row.params == {
            "case_id": case_id,
            "customer": "Shaky Trading Ltd.",
            "step": "sales_review",
            "due_at": case.due_at.strftime("%Y-%m-%d %H:%M UTC"),
        }
        assert (row.case_id, row.customer_ref, row.link) == (
            case_id,
            "C-RISKY",
            f"/cases/{case_id}",
        )


def test_every_kind_has_a_sentence_naming_its_params() -> None:
    assert set(KINDS) == {
        "assigned",
        "escalated",
        "reminder",
        "critical_alert",
        "order_held",
        "terms_changed",
        "publish_failed",
        "notify",
    }
    for kind in KINDS.values():
        filled = kind.message % {name: f"<{name}>" for name in kind.params}
        assert all(f"<{name}>" in filled for name in kind.params), kind.name


def test_a_workflow_assignee_names_its_recipients() -> None:
    role = workflows.Assignee(kind=workflows.AssigneeKind.ROLE, span=SPAN, role="cfo")
    named = workflows.Assignee(
        kind=workflows.AssigneeKind.ROLE, span=SPAN, role="cfo", department="west"
    )
    user = workflows.Assignee(kind=workflows.AssigneeKind.USER, span=SPAN, user="bob")
    owner = workflows.Assignee(kind=workflows.AssigneeKind.OWNER, span=SPAN)
    assert recipients_for(role) == ToRole("cfo")
    assert recipients_for(named) == ToRole("cfo", "west")
    assert recipients_for(user) == "bob"
    assert recipients_for(owner) == ToOwner()


# --- the inbox ---------------------------------------------------------------------------------


def _fill(database: Database, user: str, count: int) -> list[int]:
    ids: list[int] = []
    with database.transaction() as session:
        for number in range(count):
            (row,) = notify(
                session,
                recipients=user,
                kind="terms_changed",
                params={"customer": f"Customer {number}"},
                now=NOW + timedelta(seconds=number),
            )
            assert row.id is not None
            ids.append(row.id)
    return ids


def test_the_inbox_lists_the_newest_first_a_page_at_a_time(staff: Database) -> None:
    ids = _fill(staff, "chief", 5)
    _fill(staff, "east_sales", 2)
    with staff.transaction() as session:
        first = list_notifications(session, "chief", limit=3)
        assert [n.id for n in first.items] == ids[::-1][:3]
        assert first.next_cursor is not None
        second = list_notifications(session, "chief", cursor=first.next_cursor, limit=3)
        assert [n.id for n in second.items] == ids[::-1][3:]
        assert second.next_cursor is None
        assert first.items[0].message == KINDS["terms_changed"].message
        assert first.items[0].params == {"customer": "Customer 4"}
        with pytest.raises(InvalidRequestError):
            list_notifications(session, "chief", cursor="not-a-cursor")


def test_marking_read_counts_down_and_filters(staff: Database) -> None:
    ids = _fill(staff, "chief", 3)
    with staff.transaction() as session:
        assert unread_count(session, "chief") == 3
        view = mark_read(session, "chief", ids[0], now=LATER)
        assert view.read_at == LATER and view.is_read
        # again: unchanged
        assert mark_read(session, "chief", ids[0], now=LATER + timedelta(hours=1)).read_at == LATER
        assert unread_count(session, "chief") == 2
        unread = list_notifications(session, "chief", read=False)
        assert [n.id for n in unread.items] == [ids[2], ids[1]]
        read = list_notifications(session, "chief", read=True)
        assert [n.id for n in read.items] == [ids[0]]
        assert mark_all_read(session, "chief", now=LATER) == 2
        assert unread_count(session, "chief") == 0
        assert mark_all_read(session, "chief", now=LATER) == 0


def test_a_user_cannot_read_or_mark_anothers_notification(staff: Database) -> None:
    (theirs,) = _fill(staff, "east_sales", 1)
    with staff.transaction() as session:
        with pytest.raises(NotFoundError, match=f"there is no notification {theirs}"):
            mark_read(session, "chief", theirs, now=LATER)
        assert mark_all_read(session, "chief", now=LATER) == 0
        assert list_notifications(session, "chief").items == ()
        assert unread_count(session, "east_sales") == 1


# --- critical alerts ---------------------------------------------------------------------------


def test_a_critical_alert_tells_the_owner_and_the_departments_managers(staff: Database) -> None:
    _customer(staff, "C-EAST", owner="east_sales")
    upsert(staff, "C-EAST", RISKY, now=LATER)  # court enforcement: a critical alert
    told = {
        user: [
            (n.kind, n.params.get("rule"), n.customer_ref)
            for n in _inbox(staff, user)
            if n.kind == "critical_alert"  # the high-risk review's assignment is told too
        ]
        for user in ("east_sales", "east_manager", "chief", "west_manager", "root", "stand_in")
    }
    alert = [("critical_alert", "court_enforcement", "C-EAST")]
    assert told == {
        "east_sales": alert,
        "east_manager": alert,
        "chief": alert,
        "west_manager": [],
        "root": [],
        "stand_in": [],
    }
    (row,) = _inbox(staff, "east_sales")
    assert row.params["message"].startswith("Court enforcement")
    # the same alert still open: a second assessment raises (and tells) nothing new
    upsert(staff, "C-EAST", {**RISKY, "outstanding_balance": 950_000}, now=LATER)
    assert len(_inbox(staff, "east_sales")) == 1
