"""Order credit checks: pass, warn and hold by the example template's credit_check section,
exposure with the customer's other orders, idempotency, exchange rates, holds opening one case,
and releases within the releaser's overage authority."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import col, select

from engine.credit_checks import CASE_CONTEXT_KEY, check_order
from engine.credit_decisions import (
    close_check,
    customer_orders,
    decide_order,
    get_check,
    held_check_of_case,
)
from engine.credit_views import CreditCheckView
from engine.customers import find_customer
from engine.db import Database
from engine.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from engine.fx import set_rate
from engine.models import AuditEntry, Case
from engine.models_casework import CreditCheck
from tests.engine.conftest import HEALTHY, NOW, RISKY, TERMS, upsert


def _check(
    database: Database,
    order_ref: str,
    amount: Any,
    *,
    customer: str = "C1",
    currency: str = "CNY",
    scope: frozenset[str] | None = None,
) -> CreditCheckView:
    with database.transaction() as session:
        return check_order(
            session,
            customer=customer,
            order_ref=order_ref,
            amount=amount,
            currency=currency,
            actor="erp",
            now=NOW,
            tz=UTC,
            scope=scope,
        )


def _decide(database: Database, check_id: int, decision: str, roles: set[str]) -> CreditCheckView:
    with database.transaction() as session:
        return decide_order(session, check_id, decision, actor="fiona", actor_roles=roles, now=NOW)


def _close(database: Database, check_id: int, reason: str = "invoiced") -> CreditCheckView:
    with database.transaction() as session:
        return close_check(session, check_id, reason, actor="erp", now=NOW)


@pytest.fixture
def healthy(workspace: Database) -> Database:
    """C1: owes 100,000 against a limit of 1,000,000, low risk."""
    upsert(workspace, "C1", HEALTHY, terms=TERMS)
    return workspace


# --- decisions -----------------------------------------------------------------------------------


def test_an_order_well_within_the_limit_passes(healthy: Database) -> None:
    check = _check(healthy, "SO-1", 100_000)
    assert (check.decision, check.status, check.created) == ("pass", "open", True)
    assert check.exposure.outstanding == 100_000
    assert check.exposure.open_orders == 0
    assert check.exposure.this_order == 100_000
    assert check.exposure.total == 200_000
    assert (check.credit_limit, check.available) == (Decimal(1_000_000), Decimal(900_000))
    assert check.reasons == ()
    assert check.case_id is None


def test_an_order_above_ninety_percent_of_the_limit_warns(healthy: Database) -> None:
    check = _check(healthy, "SO-1", 820_000)
    assert (check.decision, check.status) == ("warn", "open")
    assert [(r.code, r.kind) for r in check.reasons] == [("near_limit", "warn")]
    assert check.reasons[0].text["zh"] == "该订单使客户占用超过信用额度的 90%"


def test_an_order_over_the_limit_is_held_and_opens_exactly_one_case(healthy: Database) -> None:
    check = _check(healthy, "SO-1", 950_000)
    assert (check.decision, check.status) == ("hold", "held")
    assert [(r.code, r.kind) for r in check.reasons] == [
        ("over_limit", "hold"),
        ("near_limit", "warn"),
    ]
    with healthy.transaction() as session:
        cases = list(session.exec(select(Case)))
        assert len(cases) == 1
        case = cases[0]
        assert case.workflow_key == "order_hold_review"
        assert case.assigned_role == "finance_head"
        assert case.context[CASE_CONTEXT_KEY] == check.id
        assert case.context["reasons"] == [
            {"trigger": "order_held", "order_ref": "SO-1", "credit_check_id": check.id}
        ]
        assert held_check_of_case(session, case.id or 0) == check.id
    assert check.case_id == case.id


def test_a_second_held_order_joins_the_open_case(healthy: Database) -> None:
    first = _check(healthy, "SO-1", 950_000)
    second = _check(healthy, "SO-2", 960_000)  # held orders do not count as open
    assert (first.decision, second.decision) == ("hold", "hold")
    with healthy.transaction() as session:
        (case,) = session.exec(select(Case)).all()
        assert case.id is not None
        assert case.context[CASE_CONTEXT_KEY] == first.id
        assert held_check_of_case(session, case.id) == first.id
    assert first.case_id == second.case_id == case.id


def test_order_hold_on_the_customer_holds_even_a_small_order(workspace: Database) -> None:
    upsert(workspace, "C1", HEALTHY, terms={**TERMS, "order_hold": True})
    check = _check(workspace, "SO-1", 10)
    assert check.decision == "hold"
    assert [r.code for r in check.reasons] == ["order_hold"]


def test_a_high_risk_customers_large_order_is_held(workspace: Database) -> None:
    upsert(workspace, "C2", RISKY, terms={"credit_limit": 5_000_000})
    with workspace.transaction() as session:
        assert find_customer(session, "C2").tier == "high"
    assert _check(workspace, "SO-S", 100_000, customer="C2").decision == "pass"
    check = _check(workspace, "SO-L", 100_001, customer="C2")
    assert [r.code for r in check.reasons] == ["high_risk_large_order"]


def test_a_customer_without_a_credit_limit_has_every_order_held(workspace: Database) -> None:
    upsert(workspace, "C1", {**HEALTHY, "outstanding_balance": 0})
    check = _check(workspace, "SO-1", 1)
    assert (check.credit_limit, check.available, check.decision) == (Decimal(0), Decimal(0), "hold")
    assert [r.code for r in check.reasons] == ["over_limit", "near_limit"]


# --- exposure ------------------------------------------------------------------------------------


def test_open_and_released_orders_count_closed_and_rejected_do_not(healthy: Database) -> None:
    _check(healthy, "OPEN", 100_000)  # pass: open
    closed = _check(healthy, "CLOSED", 50_000)
    _close(healthy, closed.id, "cancelled")
    released = _check(healthy, "RELEASED", 850_000)  # 100k + 100k + 850k > 1M: held
    assert released.decision == "hold"
    _decide(healthy, released.id, "release", {"finance_head"})
    rejected = _check(healthy, "REJECTED", 300_000)
    _decide(healthy, rejected.id, "reject", {"sales"})
    check = _check(healthy, "NEW", 1_000)
    assert check.exposure.open_orders == 950_000
    assert check.exposure.total == 100_000 + 950_000 + 1_000
    assert check.available == 1_000_000 - 100_000 - 950_000
    with healthy.transaction() as session:
        orders = customer_orders(session, "C1")
    # NEW itself is held (1,151,000 > 1,000,000): held orders do not count
    assert check.decision == "hold"
    assert (orders.open_orders, orders.open_count) == (Decimal(950_000), 2)
    assert [c.order_ref for c in orders.recent] == [
        "NEW",
        "REJECTED",
        "RELEASED",
        "CLOSED",
        "OPEN",
    ]


def test_an_order_in_another_currency_counts_at_todays_rate(healthy: Database) -> None:
    with healthy.transaction() as session:
        set_rate(session, "USD", "7.1", valid_from=date(2026, 1, 1), actor="fiona", now=NOW)
        set_rate(session, "USD", "7.3", valid_from=date(2026, 12, 1), actor="fiona", now=NOW)
    check = _check(healthy, "SO-USD", "1000.50", currency="USD")
    assert (check.amount, check.currency, check.amount_base) == (
        Decimal("1000.5"),
        "USD",
        Decimal("7103.55"),
    )
    assert check.exposure.this_order == Decimal("7103.55")


def test_an_order_in_a_currency_without_a_rate_is_refused_and_nothing_stored(
    healthy: Database,
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        _check(healthy, "SO-EUR", 10, currency="EUR")
    assert caught.value.detail == "there is no EUR exchange rate on 2026-11-28: set one first"
    with healthy.transaction() as session:
        assert session.exec(select(CreditCheck)).all() == []


@pytest.mark.parametrize(
    ("amount", "currency", "order_ref", "detail"),
    [
        (0, "CNY", "SO", "the amount must be a positive number below 10^15; found 0"),
        ("abc", "CNY", "SO", "the amount must be a positive number; found 'abc'"),
        (True, "CNY", "SO", "the amount must be a positive number; found True"),
        ("1.00001", "CNY", "SO", "the amount 1.00001 has more than 4 decimals"),
        (1, "usd", "SO", "'usd' is not a currency code: write three capital letters, such as USD"),
        (1, "CNY", " ", "the order reference must be 1 to 200 characters of text"),
        (1, "CNY", "x" * 201, "the order reference must be 1 to 200 characters of text"),
    ],
)
def test_bad_orders_are_refused(
    healthy: Database, amount: Any, currency: str, order_ref: str, detail: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        _check(healthy, order_ref, amount, currency=currency)
    assert caught.value.detail == detail


# --- idempotency and scope -----------------------------------------------------------------------


def test_the_same_order_again_returns_the_stored_check_unchanged(healthy: Database) -> None:
    first = _check(healthy, "SO-1", 820_000)
    upsert(healthy, "C1", {**HEALTHY, "outstanding_balance": 0})  # would change the figures
    again = _check(healthy, "SO-1", "820000.00")
    assert again.created is False
    assert dataclasses.replace(again, created=True) == first
    with healthy.transaction() as session:
        rows = session.exec(
            select(AuditEntry).where(col(AuditEntry.action) == "credit_check.created")
        ).all()
    assert len(rows) == 1


def test_the_same_order_with_another_amount_is_a_conflict(healthy: Database) -> None:
    _check(healthy, "SO-1", 1_000)
    with pytest.raises(ConflictError) as caught:
        _check(healthy, "SO-1", 2_000)
    assert caught.value.detail == (
        "the order 'SO-1' was already checked with another customer, amount or currency; "
        "use a new order reference"
    )


def test_checks_of_a_customer_outside_the_scope_do_not_exist(healthy: Database) -> None:
    with pytest.raises(NotFoundError):
        _check(healthy, "SO-1", 1, scope=frozenset({"west"}))
    check = _check(healthy, "SO-1", 1, scope=frozenset({"east"}))
    with healthy.transaction() as session:
        assert get_check(session, check.id, scope=frozenset({"east"})).id == check.id
        with pytest.raises(NotFoundError):
            get_check(session, check.id, scope=frozenset({"west"}))
        with pytest.raises(NotFoundError):
            close_check(session, check.id, "invoiced", actor="x", now=NOW, scope=frozenset())
        with pytest.raises(NotFoundError):
            get_check(session, 10**12)


# --- releasing and closing -----------------------------------------------------------------------


def test_a_release_beyond_the_releasers_authority_is_refused(healthy: Database) -> None:
    held = _check(healthy, "SO-1", 1_200_000)  # 300,000 over the limit
    with pytest.raises(PermissionDeniedError) as caught:
        _decide(healthy, held.id, "release", {"finance_head", "sales"})
    assert caught.value.detail == (
        "the order is 300,000.00 over the credit limit, but your roles may release at most "
        "200,000.00 over it"
    )
    with pytest.raises(PermissionDeniedError) as caught:
        _decide(healthy, held.id, "release", {"sales"})
    assert caught.value.detail == "only a releaser may release a held order (cfo, finance_head)"
    released = _decide(healthy, held.id, "release", {"cfo"})
    assert (released.status, released.decision, released.decided_by) == (
        "released",
        "hold",
        "fiona",
    )
    with healthy.transaction() as session:
        assert get_check(session, held.id).status == "released"
        actions = session.exec(
            select(AuditEntry.action).where(col(AuditEntry.entity_kind) == "credit_check")
        ).all()
    assert actions == ["credit_check.created", "credit_check.released"]


def test_only_a_held_order_is_decided(healthy: Database) -> None:
    passed = _check(healthy, "SO-1", 10)
    with pytest.raises(ConflictError):
        _decide(healthy, passed.id, "release", {"cfo"})
    held = _check(healthy, "SO-2", 2_000_000)
    _decide(healthy, held.id, "reject", {"finance_head"})
    with pytest.raises(ConflictError):
        _decide(healthy, held.id, "release", {"cfo"})
    with pytest.raises(InvalidRequestError):
        _decide(healthy, held.id, "approve", {"cfo"})


def test_closing_an_order_stops_it_counting_and_can_be_repeated(healthy: Database) -> None:
    check = _check(healthy, "SO-1", 500_000)
    closed = _close(healthy, check.id, "invoiced")
    assert (closed.status, closed.closed_reason, closed.closed_at) == ("closed", "invoiced", NOW)
    assert _close(healthy, check.id, "invoiced") == closed
    with pytest.raises(ConflictError):
        _close(healthy, check.id, "cancelled")
    with pytest.raises(InvalidRequestError):
        _close(healthy, check.id, "lost")
    assert _check(healthy, "SO-2", 1).exposure.open_orders == 0


def test_a_held_order_cannot_be_closed(healthy: Database) -> None:
    held = _check(healthy, "SO-1", 2_000_000)
    with pytest.raises(ConflictError) as caught:
        _close(healthy, held.id, "cancelled")
    assert caught.value.detail == "the order 'SO-1' is held: only an open order can be closed"
