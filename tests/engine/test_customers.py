"""Customer upserts: validate, store, score, and start the workflows a tier change triggers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from engine import audit
from engine.customers import get_customer, list_customers
from engine.db import Database
from engine.errors import ConflictError, DataValidationError, InvalidRequestError
from engine.models import (
    Assessment,
    AuditEntry,
    Case,
    CaseTransition,
    Customer,
    Department,
    Timer,
)
from tests.engine.conftest import HEALTHY, NOW, RISKY, TERMS, upsert


def test_healthy_customer_is_low_and_starts_no_case(workspace: Database) -> None:
    result = upsert(workspace, "C001", HEALTHY, terms=TERMS)
    customer = result.customer
    assert result.created is True
    assert customer.tier == "low"
    assert customer.assessment is not None
    assert customer.assessment.previous_tier is None
    assert customer.assessment.as_of == NOW.date()
    assert customer.open_cases == ()
    assert result.cases_opened == ()
    assert customer.terms.credit_limit == 1_000_000
    assert customer.terms.payment_terms_days == 60
    assert customer.terms.currency == "CNY"
    with workspace.transaction() as session:
        assert session.exec(select(Case)).all() == []
        assert [d.name for d in session.exec(select(Department))] == ["east"]
        actions = [e.action for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))]
    assert actions[-2:] == ["customer.created", "assessment.tier_changed"]


def test_risky_customer_is_high_and_opens_a_review_case(workspace: Database) -> None:
    result = upsert(workspace, "C002", RISKY, terms=TERMS)
    assert result.customer.tier == "high"
    assert len(result.cases_opened) == 1
    (case,) = result.customer.open_cases
    assert case.workflow_key == "high_risk_review"
    assert case.step == "sales_review"
    assert case.assigned_role == "sales_manager"
    assert case.due_at == NOW + timedelta(hours=24)
    assert case.escalation_level == 0
    with workspace.transaction() as session:
        timers = session.exec(select(Timer).order_by(col(Timer.due_at))).all()
        assert [t.due_at for t in timers] == [NOW + timedelta(hours=24), NOW + timedelta(hours=72)]
        assert all(t.case_id == case.id and t.fired_at is None for t in timers)
        (first,) = session.exec(select(CaseTransition)).all()
        assert (first.from_step, first.to_step, first.reason) == (None, "sales_review", "start")
        actions = {e.action for e in session.exec(select(AuditEntry))}
        assert {"customer.created", "assessment.tier_changed", "case.opened"} <= actions
        assert audit.verify_chain(session) is None


def test_a_customer_with_an_open_case_gets_no_second_one(workspace: Database) -> None:
    upsert(workspace, "C002", RISKY)
    calmer = {**RISKY, "max_overdue_days": 0, "enforcement_records": 0}
    upsert(workspace, "C002", calmer, now=NOW + timedelta(hours=1))
    again = upsert(workspace, "C002", RISKY, now=NOW + timedelta(hours=2))
    assert again.cases_opened == ()
    with workspace.transaction() as session:
        assert len(session.exec(select(Case)).all()) == 1


def test_invalid_data_reports_every_path_and_stores_nothing(workspace: Database) -> None:
    bad = {**HEALTHY, "max_overdue_days": -5, "industry": "piracy"}
    with pytest.raises(DataValidationError) as raised:
        upsert(workspace, "C003", bad)
    paths = {tuple(error.path) for error in raised.value.errors}
    assert {("data", "max_overdue_days"), ("data", "industry")} <= paths
    with workspace.transaction() as session:
        assert session.exec(select(Customer)).all() == []
        assert session.exec(select(Department)).all() == []


def test_invalid_terms_are_reported_under_terms(workspace: Database) -> None:
    with pytest.raises(DataValidationError) as raised:
        upsert(workspace, "C003", HEALTHY, terms={"credit_limit": "lots", "currency": "USD"})
    paths = {tuple(error.path) for error in raised.value.errors}
    assert {("terms", "credit_limit"), ("terms", "currency")} <= paths


def test_terms_are_accepted_only_at_creation(workspace: Database) -> None:
    upsert(workspace, "C004", HEALTHY, terms=TERMS)
    same = upsert(workspace, "C004", {**HEALTHY, "max_overdue_days": 3}, terms=TERMS)
    assert same.created is False
    assert same.customer.data["max_overdue_days"] == 3
    with pytest.raises(ConflictError, match="credit terms change only through workflows"):
        upsert(workspace, "C004", HEALTHY, terms={**TERMS, "credit_limit": 5})
    with workspace.transaction() as session:
        customer = session.exec(select(Customer)).one()
        assert customer.credit_limit == 1_000_000
        assert customer.data["max_overdue_days"] == 3


def test_default_terms_apply_when_none_are_given(workspace: Database) -> None:
    terms = upsert(workspace, "C005", HEALTHY).customer.terms
    assert (terms.credit_limit, terms.payment_terms_days, terms.prepayment_pct) == (0, 30, 0)
    assert (terms.order_hold, terms.next_review_at, terms.currency) == (False, None, "CNY")


def test_an_unchanged_result_stores_no_new_assessment(workspace: Database) -> None:
    first = upsert(workspace, "C006", HEALTHY)
    second = upsert(workspace, "C006", HEALTHY, now=NOW + timedelta(minutes=5))
    assert second.customer.row_version == first.customer.row_version
    with workspace.transaction() as session:
        assert len(session.exec(select(Assessment)).all()) == 1


def test_customers_page_through_a_cursor(workspace: Database) -> None:
    for i in range(5):
        upsert(workspace, f"P{i}", {**HEALTHY, "name": f"Firm {i}"})
    upsert(workspace, "R1", RISKY)
    with workspace.transaction() as session:
        first = list_customers(session, limit=2)
        second = list_customers(session, limit=2, cursor=first.next_cursor)
        high = list_customers(session, tier="high")
        found = list_customers(session, search="firm 3")
        with pytest.raises(InvalidRequestError):
            list_customers(session, cursor="not-a-cursor")
        assert get_customer(session, "R1").tier == "high"
    assert [c.ref for c in first.items] == ["P0", "P1"]
    assert [c.ref for c in second.items] == ["P2", "P3"]
    assert [c.ref for c in high.items] == ["R1"]
    assert high.next_cursor is None
    assert [c.ref for c in found.items] == ["P3"]
