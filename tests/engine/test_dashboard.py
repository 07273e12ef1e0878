"""The dashboard's figures (issue 12, engine.dashboard) on a known portfolio: customers and
exposure per tier (base-currency numbers, converted amounts, a currency without a rate apart),
tier migration by month, open cases by step with the past-due ones, held orders, critical
alerts, the riskiest customers, the last rescore; and what a department-scoped caller sees."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from engine import rescoring
from engine.credit_checks import check_order
from engine.dashboard import Dashboard, dashboard
from engine.dashboard_views import HoldsWaiting, StepFigure, TierFigure, TierMove, Unconverted
from engine.db import Database
from engine.fx import set_rate
from engine.models import Case, Customer
from tests.engine.conftest import HEALTHY, NOW, RISKY, TERMS, upsert

LATER = NOW + timedelta(days=2)  # past the 24-hour deadline of the review steps


@pytest.fixture
def portfolio(workspace: Database) -> Database:
    """East: C-E1 low in September, high now (900,000 CNY); C-E2 low, owing 10,000 USD (7 CNY
    each) with an order of 2,000,000 held. West: C-W1 high (900,000 CNY); C-W2 low, owing 500
    EUR, for which no rate is known."""
    upsert(workspace, "C-E1", HEALTHY, terms=TERMS, now=datetime(2026, 9, 15, 9, 0, tzinfo=UTC))
    upsert(workspace, "C-E1", RISKY)
    usd = {**HEALTHY, "outstanding_balance": {"amount": 10_000, "currency": "USD"}}
    upsert(workspace, "C-E2", usd, terms=TERMS)
    upsert(workspace, "C-W1", RISKY, terms=TERMS, department="west")
    eur = {**HEALTHY, "outstanding_balance": {"amount": 500, "currency": "EUR"}}
    upsert(workspace, "C-W2", eur, terms=TERMS, department="west")
    with workspace.transaction() as session:
        set_rate(session, "USD", "7", valid_from=date(2026, 1, 1), actor="admin", now=NOW)
        check_order(
            session,
            customer="C-E2",
            order_ref="SO-1",
            amount=2_000_000,
            currency="CNY",
            actor="erp",
            now=NOW,
            tz=UTC,
        )
    return workspace


def _dashboard(database: Database, scope: frozenset[str] | None, **options: object) -> Dashboard:
    with database.transaction() as session:
        return dashboard(session, scope=scope, now=LATER, **options)  # type: ignore[arg-type]


def test_customers_and_exposure_per_tier_in_the_base_currency(portfolio: Database) -> None:
    board = _dashboard(portfolio, None)
    assert board.base_currency == "CNY" and board.exposure_field == "outstanding_balance"
    assert board.tiers == (
        TierFigure("high", customers=2, exposure=1_800_000, order_hold=0),
        TierFigure("medium", customers=0, exposure=0, order_hold=0),
        TierFigure("low", customers=2, exposure=70_000, order_hold=0),
    )
    assert board.unconverted == (Unconverted("EUR", 500, 1),)
    assert (board.customers, board.exposure) == (4, 1_870_000)


def test_tier_migration_counts_changes_by_month_over_the_last_twelve(portfolio: Database) -> None:
    board = _dashboard(portfolio, None)
    assert [m.month for m in board.migration] == [
        *(f"2025-{m}" for m in ("12",)),
        *(f"2026-{m:02d}" for m in range(1, 12)),
    ]
    # first assessments are no migration; C-E1 moved low → high in November
    assert {m.month: m.moves for m in board.migration if m.moves} == {
        "2026-11": (TierMove("low", "high", 1),)
    }
    assert board.moves == (("low", "high"),)
    assert board.migration[-1].count("low", "high") == 1 and board.migration[-1].total == 1
    # a year on, November 2026 is out of the window
    with portfolio.transaction() as session:
        later = dashboard(session, scope=None, now=datetime(2027, 12, 1, tzinfo=UTC))
    assert later.migration[0].month == "2027-01" and not later.moves


def test_open_cases_by_step_with_those_past_their_deadline(portfolio: Database) -> None:
    board = _dashboard(portfolio, None, language="zh")
    assert board.steps == (
        StepFigure("high_risk_review", "高风险客户复核", "sales_review", "Sales review", 2, 2),
        StepFigure("order_hold_review", "暂停订单复核", "finance_review", "财务复核", 1, 1),
    )
    assert (board.cases_open, board.cases_past_due) == (3, 3)
    with portfolio.transaction() as session:
        on_time = dashboard(session, scope=None, now=NOW)
    assert [(s.step, s.open, s.past_due) for s in on_time.steps] == [
        ("sales_review", 2, 0),
        ("finance_review", 1, 0),
    ]


def test_held_orders_critical_alerts_and_the_riskiest_customers(portfolio: Database) -> None:
    board = _dashboard(portfolio, None)
    assert board.holds == HoldsWaiting(orders=1, amount=2_000_000, oldest_at=NOW)
    assert [(a.customer_ref, a.rule) for a in board.critical_alerts] == [
        ("C-W1", "court_enforcement"),
        ("C-E1", "court_enforcement"),
    ]
    assert board.critical_active == 2
    assert [(c.ref, c.tier) for c in board.riskiest] == [
        ("C-E1", "high"),
        ("C-W1", "high"),
        ("C-E2", "low"),
        ("C-W2", "low"),
    ]
    assert board.riskiest[0].score >= board.riskiest[-1].score
    assert board.last_rescore is None


def test_a_department_scoped_caller_sees_only_its_departments(portfolio: Database) -> None:
    east = _dashboard(portfolio, frozenset({"east"}))
    assert [(t.tier, t.customers, t.exposure) for t in east.tiers] == [
        ("high", 1, 900_000),
        ("medium", 0, 0),
        ("low", 1, 70_000),
    ]
    assert east.unconverted == ()  # the EUR balance is west's
    assert east.migration[-1].moves == (TierMove("low", "high", 1),)
    assert [(s.step, s.open) for s in east.steps] == [("sales_review", 1), ("finance_review", 1)]
    assert east.holds.orders == 1
    assert [a.customer_ref for a in east.critical_alerts] == ["C-E1"]
    assert [c.ref for c in east.riskiest] == ["C-E1", "C-E2"]
    west = _dashboard(portfolio, frozenset({"west"}))
    assert (west.customers, west.exposure, west.holds.orders) == (2, 900_000, 0)
    assert west.unconverted == (Unconverted("EUR", 500, 1),)
    assert not west.migration[-1].moves
    nowhere = _dashboard(portfolio, frozenset())
    assert (nowhere.customers, nowhere.cases_open, nowhere.critical_active) == (0, 0, 0)
    assert (nowhere.riskiest, nowhere.critical_alerts, nowhere.holds.orders) == ((), (), 0)


def test_the_last_rescore_with_its_counts_only_for_every_department(portfolio: Database) -> None:
    with portfolio.transaction() as session:
        rescoring.start_rescore(session, actor="cfo", now=NOW, reason="nightly")
    everywhere = _dashboard(portfolio, None).last_rescore
    assert everywhere is not None
    assert (everywhere.status, everywhere.reason, everywhere.total) == ("queued", "nightly", 4)
    assert everywhere.as_of == NOW.date()
    scoped = _dashboard(portfolio, frozenset({"east"})).last_rescore
    assert scoped is not None and scoped.id == everywhere.id
    assert (scoped.done, scoped.total, scoped.changed) == (None, None, None)


def test_a_case_about_no_customer_counts_only_for_those_who_may_publish(
    portfolio: Database,
) -> None:
    with portfolio.transaction() as session:
        session.add(
            Case(
                workflow_key="ruleset_change",
                workflow_version=1,
                customer_id=None,
                step="approval",
                assigned_role="cfo",
                state={},
                context={},
                opened_at=NOW,
            )
        )
    assert _dashboard(portfolio, None).cases_open == 3
    publisher = _dashboard(portfolio, None, spec_changes=True)
    assert publisher.cases_open == 4
    assert ("ruleset_change", "approval", 1, 0) in [
        (s.workflow_key, s.step, s.open, s.past_due) for s in publisher.steps
    ]
    assert _dashboard(portfolio, frozenset({"east"}), spec_changes=False).cases_open == 2


def test_a_case_whose_step_names_a_department_counts_for_it_and_its_customers(
    portfolio: Database,
) -> None:
    with portfolio.transaction() as session:
        west = session.exec(select(Customer).where(Customer.external_ref == "C-W2")).one()
        session.add(
            Case(
                workflow_key="credit_review",
                workflow_version=1,
                customer_id=west.id,
                step="legal_review",
                assigned_role="legal",
                assigned_department="east",
                state={},
                context={},
                opened_at=NOW,
            )
        )
    reviews = [("credit_review", "legal_review", 1, 0)]
    for scope in ({"east"}, {"west"}, {"east", "west"}, None):
        board = _dashboard(portfolio, None if scope is None else frozenset(scope))
        found = [(s.workflow_key, s.step, s.open, s.past_due) for s in board.steps]
        assert [f for f in found if f[0] == "credit_review"] == reviews, scope
    assert not [s for s in _dashboard(portfolio, frozenset({"north"})).steps]
    assert _dashboard(portfolio, frozenset()).steps == ()
