"""The example template's own policy (issue 10), end to end on the engine: the high-risk review's
two-level approval (four eyes at finance, a CFO quorum of all), its automatic temporary order
hold when nobody decides in five business days, its cancel_when, the periodic review by tier, and
held orders released or rejected through their case within the overage authority.
Time travels through `now=`; business days count on the template's calendar (cn)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session, col, select

from engine import audit
from engine.background import sweep
from engine.cases import take_action
from engine.credit_checks import check_order
from engine.credit_decisions import get_check
from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.errors import ConflictError, DataValidationError, PermissionDeniedError
from engine.models import Case, Customer, TermsChange
from engine.reviews import start_reviews
from engine.templates import import_template
from engine.users import add_user, grant_role
from tests.conftest import EXAMPLE_TEMPLATE
from tests.engine.conftest import HEALTHY, RISKY, TERMS

# a Monday, so that business days are plain weekdays for a week
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PROPOSAL = {"proposed_limit": 400_000.456, "proposed_days": 30, "proposed_prepayment": 0.3}
STAFF = {
    "mia": ("sales_manager", "east"),
    "sam": ("sales_manager", "east"),
    "fay": ("finance_head", None),
    "cal": ("cfo", None),
    "cora": ("cfo", None),
}


@pytest.fixture
def policy(database: Database) -> Database:
    """The example template as it ships, and its staff."""
    with database.transaction() as session:
        import_template(session, EXAMPLE_TEMPLATE, actor="admin", now=NOW, base_currency="CNY")
        for name, (role, department) in STAFF.items():
            add_user(session, name, roles=(role,), department=department, actor="admin", now=NOW)
        grant_role(session, "sam", "finance_head", actor="admin", now=NOW)
    return database


def _upsert(database: Database, data: dict[str, Any], *, now: datetime = NOW, **kw: Any) -> Any:
    with database.transaction() as session:
        return upsert_customer(
            session,
            "C-EAST",
            CustomerInput(name=data["name"], department="east", data=data, **kw),
            actor="api",
            now=now,
            tz=UTC,
        )


def _act(
    database: Database, case_id: int, action: str, actor: str, *, now: datetime = NOW, **kw: Any
) -> Any:
    roles = {STAFF[actor][0]} | ({"finance_head"} if actor == "sam" else set())
    with database.transaction() as session:
        return take_action(
            session, case_id, action, actor=actor, roles=roles, now=now, tz=UTC, **kw
        )


def _customer(session: Session) -> Customer:
    return session.exec(select(Customer).where(Customer.external_ref == "C-EAST")).one()


def _review_case(database: Database) -> int:
    opened = _upsert(database, RISKY, terms=TERMS).cases_opened
    with database.transaction() as session:
        (case,) = session.exec(
            select(Case).where(
                col(Case.id).in_(opened), col(Case.workflow_key) == "high_risk_review"
            )
        ).all()
        assert case.id is not None
        return case.id


def test_two_level_approval_with_four_eyes_and_a_cfo_quorum_changes_the_terms(
    policy: Database,
) -> None:
    case_id = _review_case(policy)
    with pytest.raises(DataValidationError):
        _act(policy, case_id, "propose_terms", "sam", data={"proposed_days": 30})
    _act(policy, case_id, "propose_terms", "sam", data=PROPOSAL)

    with pytest.raises(PermissionDeniedError, match="four eyes"):
        _act(policy, case_id, "approve", "sam")  # sam proposed: someone else approves
    assert _act(policy, case_id, "approve", "fay").step == "cfo_approval"

    voted = _act(policy, case_id, "approve", "cal")
    assert (voted.step, voted.status) == ("cfo_approval", "open")  # quorum all: cora too
    with pytest.raises(ConflictError):
        _act(policy, case_id, "approve", "cal")
    done = _act(policy, case_id, "approve", "cora")

    with policy.transaction() as session:
        customer = _customer(session)
        (change,) = session.exec(
            select(TermsChange).where(col(TermsChange.case_id) == case_id)
        ).all()
        assert audit.verify_chain(session) is None
    assert (done.status, done.outcome) == ("closed", "completed")
    assert customer.credit_limit == Decimal("400000.46")  # rounded to the fen
    assert (customer.payment_terms_days, customer.prepayment_pct) == (30, Decimal("0.3"))
    assert customer.next_review_at == date(2027, 2, 28)  # today + 90 days
    assert (change.approver, change.ruleset_key) == ("cora", "credit")
    reasons = [h.reason for h in done.history]
    assert reasons.count("vote") == 1 and reasons[0] == "start"


def test_nobody_deciding_in_five_business_days_holds_orders_for_30_days(
    policy: Database,
) -> None:
    case_id = _review_case(policy)
    # 2bd: Wednesday 09:00 the department head takes over; 5bd: the next Monday 09:00 the
    # orders are held (Saturday and Sunday are no business days)
    friday = NOW + timedelta(days=4)
    sweep(policy, now=NOW + timedelta(days=2), worker="w1")
    with policy.transaction() as session:
        assert session.get(Case, case_id).assigned_role == "department_head"  # type: ignore[union-attr]
    sweep(policy, now=friday, worker="w1")
    with policy.transaction() as session:
        assert _customer(session).order_hold is False  # Friday: not yet
    sweep(policy, now=NOW + timedelta(days=7), worker="w1")
    with policy.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.step == "cfo_review"
        assert _customer(session).order_hold is True
        (held,) = session.exec(select(TermsChange).where(col(TermsChange.case_id) == case_id)).all()
    assert held.restore_at == NOW + timedelta(days=37)
    assert held.restore_when == "max_overdue_days == 0"

    sweep(policy, now=NOW + timedelta(days=37), worker="w1")
    with policy.transaction() as session:
        assert _customer(session).order_hold is False  # restored through the terms path
        restored = session.get(TermsChange, held.id)
        assert restored is not None and restored.restored_at == NOW + timedelta(days=37)


def test_a_customer_back_to_low_risk_supersedes_the_open_review(policy: Database) -> None:
    case_id = _review_case(policy)
    _upsert(policy, HEALTHY, now=NOW + timedelta(hours=1))
    with policy.transaction() as session:
        case = session.get(Case, case_id)
    assert case is not None and (case.status, case.outcome) == ("closed", "superseded")


def test_the_periodic_review_sets_the_next_one_by_tier(policy: Database) -> None:
    _upsert(policy, HEALTHY, terms={**TERMS, "next_review_at": "2026-11-30"})
    with policy.transaction() as session:
        start_reviews(session, actor="system", now=NOW, tz=UTC)
    sweep(policy, now=NOW, worker="w1")
    with policy.transaction() as session:
        (case,) = session.exec(select(Case).where(Case.workflow_key == "periodic_review")).all()
        assert case.id is not None
    _act(policy, case.id, "confirm", "mia")
    with policy.transaction() as session:
        assert _customer(session).next_review_at == date(2027, 11, 30)  # low risk: a year


def _hold(database: Database, order_ref: str, amount: int) -> Any:
    with database.transaction() as session:
        return check_order(
            session,
            customer="C-EAST",
            order_ref=order_ref,
            amount=amount,
            currency="CNY",
            actor="erp",
            now=NOW,
            tz=UTC,
        )


def test_a_held_order_is_released_by_a_case_within_the_overage_authority(
    policy: Database,
) -> None:
    _upsert(policy, HEALTHY, terms={"credit_limit": 200_000})  # 100,000 outstanding
    held = _hold(policy, "SO-1", 400_000)  # 300,000 over the limit
    assert held.decision == "hold"
    with policy.transaction() as session:
        (case,) = session.exec(select(Case).where(Case.workflow_key == "order_hold_review")).all()
        assert case.id is not None
    with pytest.raises(PermissionDeniedError):
        _act(policy, case.id, "release", "fay")  # a finance head may release 200,000 over
    sweep(policy, now=NOW + timedelta(hours=24), worker="w1")  # to the CFO
    released = _act(policy, case.id, "release", "cal", now=NOW + timedelta(hours=25))
    with policy.transaction() as session:
        check = get_check(session, held.id)
    assert (released.status, check.status, check.decided_by) == ("closed", "released", "cal")


def test_a_held_order_rejected_by_the_case_is_rejected(policy: Database) -> None:
    _upsert(policy, HEALTHY, terms={"credit_limit": 200_000})
    held = _hold(policy, "SO-2", 150_000)
    with policy.transaction() as session:
        (case,) = session.exec(select(Case).where(Case.workflow_key == "order_hold_review")).all()
        assert case.id is not None
    _act(policy, case.id, "reject", "fay", comment="too much for now")
    with policy.transaction() as session:
        assert get_check(session, held.id).status == "rejected"
