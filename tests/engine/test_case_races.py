"""A case action racing the escalation sweep on the same case: one wins, the other hears 409.

Regression for issue 8 item 7: on PostgreSQL the action locked the case and the audit head and
then waited for the case's timers, while the sweep held a timer and waited for the case, and the
database aborted one of them as a deadlock (a 500). Every writer of a case now locks the case
first, then its timers, its customer, and the audit head last; a residual deadlock or
serialisation failure is a ConflictError. Each race runs from two threads, each with its own
transaction (and so its own connection), released together by a barrier.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from engine.audit_verify import verify_chain
from engine.cases import take_action
from engine.db import Database
from engine.errors import ConflictError
from engine.models import Case, CaseTransition, Customer, TermsChange, Timer
from engine.timers import sweep
from engine.views import SweepReport
from tests.engine.conftest import NOW, RISKY, TERMS, upsert

ROUNDS = 25


@dataclass
class Outcome:
    """What one thread's call did: its result, or the exception it raised."""

    value: Any = None
    error: BaseException | None = None


def _race(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Outcome, Outcome]:
    """Run both calls at once from two threads; returns their outcomes in the same order."""
    barrier = threading.Barrier(2)
    outcomes = (Outcome(), Outcome())

    def run(call: Callable[[], Any], outcome: Outcome) -> None:
        barrier.wait()
        try:
            outcome.value = call()
        except BaseException as exc:  # recorded, then asserted on by the test
            outcome.error = exc

    threads = [
        threading.Thread(target=run, args=(call, outcome))
        for call, outcome in zip((first, second), outcomes, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _act(database: Database, case_id: int, action: str, roles: list[str], **kwargs: Any) -> Any:
    with database.transaction() as session:
        return take_action(
            session, case_id, action, actor="alice", roles=roles, comment="ok", **kwargs
        )


def _version(database: Database, case_id: int) -> int:
    with database.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.row_version


def _transitions(database: Database, case_id: int) -> list[CaseTransition]:
    with database.transaction() as session:
        return list(
            session.exec(
                select(CaseTransition)
                .where(CaseTransition.case_id == case_id)
                .order_by(col(CaseTransition.id))
            )
        )


def _assert_consistent(database: Database) -> None:
    with database.transaction() as session:
        assert verify_chain(session) is None
        stuck = session.exec(
            select(Timer).where(col(Timer.last_error).is_not(None) | (col(Timer.attempts) > 0))
        ).all()
        assert stuck == []


def _assert_sweep_or_conflict(action: Outcome, swept: Outcome) -> None:
    assert action.error is None or isinstance(action.error, ConflictError), repr(action.error)
    assert swept.error is None, repr(swept.error)
    assert isinstance(swept.value, SweepReport)
    assert swept.value.failed == 0  # a deadlocked firing would be counted here


def test_an_action_racing_the_escalation_sweep_is_a_success_or_a_conflict(
    workspace: Database,
) -> None:
    at = NOW + timedelta(hours=25)  # the sales review's first escalation is due
    for round_ in range(ROUNDS):
        case_id = upsert(workspace, f"R{round_:03}", RISKY).cases_opened[0]
        version = _version(workspace, case_id)
        action, swept = _race(
            partial(
                _act,
                workspace,
                case_id,
                "propose_terms",
                ["sales_manager", "department_head"],
                expected_version=version,
                now=at,
            ),
            partial(sweep, workspace, now=at, worker=f"w{round_}"),
        )
        _assert_sweep_or_conflict(action, swept)
        assert isinstance(swept.value, SweepReport)
        history = _transitions(workspace, case_id)[1:]  # after the case's opening
        escalations = [t for t in history if t.reason == "escalation"]
        actions = [t for t in history if t.action == "propose_terms"]
        if action.error is None:
            # The action won: its transition alone; the timer it cancelled never fired.
            assert (len(actions), len(escalations), swept.value.fired) == (1, 0, 0)
            assert action.value.step == "finance_approval"
        else:
            # The sweep won: one escalation, and the action's stale version was refused.
            assert (len(actions), len(escalations), swept.value.fired) == (0, 1, 1)
            with workspace.transaction() as session:
                case = session.get(Case, case_id)
                assert case is not None
                assert (case.step, case.assigned_role) == ("sales_review", "department_head")
                assert case.row_version == version + 1
    _assert_consistent(workspace)


def test_an_approval_changing_terms_racing_the_sweep_changes_them_once(
    workspace: Database,
) -> None:
    proposed_at = NOW + timedelta(hours=1)
    at = proposed_at + timedelta(hours=49)  # the finance approval's escalation is due
    for round_ in range(ROUNDS):
        case_id = upsert(workspace, f"A{round_:03}", RISKY, terms=TERMS).cases_opened[0]
        _act(workspace, case_id, "propose_terms", ["sales_manager"], now=proposed_at)
        version = _version(workspace, case_id)
        action, swept = _race(
            partial(
                _act,
                workspace,
                case_id,
                "approve",
                ["finance_head", "cfo"],
                expected_version=version,
                now=at,
            ),
            partial(sweep, workspace, now=at, worker=f"w{round_}"),
        )
        _assert_sweep_or_conflict(action, swept)
        assert isinstance(swept.value, SweepReport)
        with workspace.transaction() as session:
            case = session.get(Case, case_id)
            assert case is not None
            changes = session.exec(select(TermsChange).where(TermsChange.case_id == case_id)).all()
            customer = session.get(Customer, case.customer_id)
            assert customer is not None
        if action.error is None:
            # The approval won: the apply step changed the terms once and closed the case.
            assert (case.status, len(changes), swept.value.fired) == ("closed", 1, 0)
            assert customer.payment_terms_days == 30
        else:
            # The sweep won: escalated to the CFO, terms untouched, the approval refused.
            assert (case.step, case.assigned_role, len(changes)) == ("finance_approval", "cfo", 0)
            assert swept.value.fired == 1
            assert customer.payment_terms_days == TERMS["payment_terms_days"]
    _assert_consistent(workspace)


@pytest.fixture
def pg_only(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no deadlock to break")


def _lock_two_customers(
    database: Database, first: str, second: str, barrier: threading.Barrier
) -> Callable[[], None]:
    """Lock customer `first`, wait for the other thread to lock its own, then lock `second`."""

    def run() -> None:
        with database.transaction() as session:
            for index, ref in enumerate((first, second)):
                session.exec(
                    select(Customer).where(Customer.external_ref == ref).with_for_update()
                ).one()
                if index == 0:
                    barrier.wait()  # both hold their first row; each now asks for the other's

    return run


def test_a_database_deadlock_is_a_conflict_error(database: Database, pg_only: None) -> None:
    with database.transaction() as session:
        for ref in ("D1", "D2"):
            session.add(
                Customer(external_ref=ref, name=ref, data={}, created_at=NOW, updated_at=NOW)
            )
    barrier = threading.Barrier(2)
    one, two = _race(
        _lock_two_customers(database, "D1", "D2", barrier),
        _lock_two_customers(database, "D2", "D1", barrier),
    )
    errors = [o.error for o in (one, two) if o.error is not None]
    assert len(errors) == 1, errors  # PostgreSQL aborts one of the two, the other goes on
    assert isinstance(errors[0], ConflictError)
    assert "try again" in errors[0].detail


def test_a_serialization_failure_is_a_conflict_error(database: Database, pg_only: None) -> None:
    with database.transaction() as session:
        session.add(Customer(external_ref="S1", name="S1", data={}, created_at=NOW, updated_at=NOW))
    with pytest.raises(ConflictError, match="try again"), database.transaction() as reader:
        reader.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        reader.exec(select(Customer).where(Customer.external_ref == "S1")).one()
        with database.transaction() as writer:
            writer.execute(text("UPDATE customers SET name = 'changed' WHERE external_ref = 'S1'"))
        reader.execute(text("UPDATE customers SET name = 'mine' WHERE external_ref = 'S1'"))
