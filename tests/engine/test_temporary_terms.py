"""Temporary terms changes: undone at `until` by a timer, or once `restore_when` holds, through
the audited terms path; a term changed since is kept; each restoration happens once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from engine import audit
from engine.db import Database
from engine.models import AuditEntry, Customer, TermsChange, Timer
from engine.terms import ChangeOrigin, change_terms, rounded_money
from engine.terms_restore import restore_when_due, schedule_restore
from engine.timers import sweep
from tests.engine.conftest import HEALTHY, NOW, TERMS, upsert

WEEK = NOW + timedelta(days=7)


def _customer(session: Session, ref: str = "C001") -> Customer:
    return session.exec(select(Customer).where(Customer.external_ref == ref)).one()


def _temporary(database: Database, **origin: object) -> int:
    upsert(database, "C001", HEALTHY, terms=TERMS)
    with database.transaction() as session:
        customer = _customer(session)
        change = change_terms(
            session,
            customer,
            {"order_hold": True, "credit_limit": 500_000},
            case_id=None,
            actor="finance_head",
            now=NOW,
            origin=ChangeOrigin(**origin),  # type: ignore[arg-type]
        )
        assert change is not None and change.id is not None
        schedule_restore(session, change, now=NOW)
        return change.id


def test_a_change_with_until_is_restored_by_the_sweep_once(workspace: Database) -> None:
    change_id = _temporary(workspace, restore_at=WEEK, approver="cfo")

    assert sweep(workspace, now=WEEK - timedelta(minutes=1), worker="w1").fired == 0
    assert sweep(workspace, now=WEEK, worker="w1").fired == 1
    assert sweep(workspace, now=WEEK + timedelta(days=1), worker="w2").fired == 0

    with workspace.transaction() as session:
        customer = _customer(session)
        original = session.get(TermsChange, change_id)
        restoring = session.exec(
            select(TermsChange).where(TermsChange.restores_id == change_id)
        ).all()
        restored = session.exec(
            select(AuditEntry).where(AuditEntry.action == "terms.restored")
        ).all()
        assert audit.verify_chain(session) is None
    assert (customer.order_hold, customer.credit_limit) == (False, Decimal(1_000_000))
    assert original is not None and original.restored_at == WEEK and original.approver == "cfo"
    assert len(restoring) == 1 and restoring[0].after["credit_limit"] == 1_000_000
    assert len(restored) == 1
    assert restored[0].detail["restored"] == ["credit_limit", "order_hold"]


def test_a_term_changed_since_is_kept_and_the_rest_restored(workspace: Database) -> None:
    change_id = _temporary(workspace, restore_at=WEEK)
    with workspace.transaction() as session:
        customer = _customer(session)
        change_terms(
            session, customer, {"credit_limit": 800_000}, case_id=None, actor="cfo", now=NOW
        )

    sweep(workspace, now=WEEK, worker="w1")

    with workspace.transaction() as session:
        customer = _customer(session)
        (entry,) = session.exec(
            select(AuditEntry).where(AuditEntry.action == "terms.restored")
        ).all()
        assert session.get(TermsChange, change_id).restored_at == WEEK  # type: ignore[union-attr]
    assert (customer.order_hold, customer.credit_limit) == (False, Decimal(800_000))
    assert (entry.detail["restored"], entry.detail["kept"]) == (["order_hold"], ["credit_limit"])


def test_restore_when_restores_once_the_guard_holds_and_cancels_the_timer(
    workspace: Database,
) -> None:
    change_id = _temporary(workspace, restore_at=WEEK, restore_when="max_overdue_days == 0")
    with workspace.transaction() as session:
        customer = _customer(session)
        assert (
            restore_when_due(
                session, customer, lambda: {"max_overdue_days": 5}, actor="system", now=NOW
            )
            == []
        )
        done = restore_when_due(
            session, customer, lambda: {"max_overdue_days": 0}, actor="system", now=NOW
        )
        assert len(done) == 1
        again = restore_when_due(
            session, customer, lambda: {"max_overdue_days": 0}, actor="system", now=NOW
        )
        timers = session.exec(select(Timer).where(col(Timer.kind) == "restore_terms")).all()
    assert again == []
    assert [t.cancelled_at for t in timers] == [NOW]
    assert sweep(workspace, now=WEEK, worker="w1").fired == 0
    with workspace.transaction() as session:
        assert session.get(TermsChange, change_id).restored_at == NOW  # type: ignore[union-attr]


def test_an_assessment_restores_a_change_whose_guard_now_holds(workspace: Database) -> None:
    _temporary(workspace, restore_when="max_overdue_days == 0 and order_hold")

    upsert(workspace, "C001", {**HEALTHY, "outstanding_balance": 120_000}, terms=None)

    with workspace.transaction() as session:
        customer = _customer(session)
    assert customer.order_hold is False


def test_a_credit_limit_is_rounded_to_the_currency_minor_unit() -> None:
    assert rounded_money(1234.565, "CNY") == 1234.57
    assert rounded_money(1234.5, "JPY") == 1235
    assert rounded_money("x", "CNY") == "x"
