"""Cases: the inbox, actions by role, optimistic concurrency, and terms changed on approval."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from engine import audit
from engine.cases import get_case, list_cases, take_action
from engine.db import Database
from engine.errors import (
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from engine.models import AuditEntry, Case, Customer, TermsChange, Timer
from engine.rows import update_versioned
from engine.views import CaseView
from tests.engine.conftest import NOW, RISKY, TERMS, upsert


def _act(
    database: Database,
    case_id: int,
    action: str,
    *,
    actor: str,
    roles: list[str],
    hours: float,
    **kwargs: Any,
) -> CaseView:
    with database.transaction() as session:
        return take_action(
            session,
            case_id,
            action,
            actor=actor,
            roles=roles,
            now=NOW + timedelta(hours=hours),
            **kwargs,
        )


def _open_case(database: Database) -> int:
    return upsert(database, "C002", RISKY, terms=TERMS).cases_opened[0]


def test_the_inbox_shows_cases_assigned_to_my_roles(workspace: Database) -> None:
    case_id = _open_case(workspace)
    with workspace.transaction() as session:
        mine = list_cases(session, status="open", roles=["sales_manager"])
        theirs = list_cases(session, status="open", roles=["finance_head"])
        everything = list_cases(session)
        closed = list_cases(session, status="closed")
    assert [c.id for c in mine.items] == [case_id]
    assert mine.items[0].customer_ref == "C002"
    assert mine.items[0].workflow_label["en"]
    assert theirs.items == ()
    assert [c.id for c in everything.items] == [case_id]
    assert closed.items == ()


def test_case_view_lists_history_and_my_actions(workspace: Database) -> None:
    case_id = _open_case(workspace)
    with workspace.transaction() as session:
        mine = get_case(session, case_id, roles=["sales_manager"])
        not_mine = get_case(session, case_id, roles=["sales"])
        with pytest.raises(NotFoundError):
            get_case(session, 999, roles=[])
    assert set(mine.available_actions) == {"propose_terms", "no_change"}
    assert not_mine.available_actions == ()
    assert [(h.from_step, h.to_step) for h in mine.history] == [(None, "sales_review")]
    assert mine.row_version == 1


def test_a_wrong_role_is_denied(workspace: Database) -> None:
    case_id = _open_case(workspace)
    with pytest.raises(PermissionDeniedError):
        _act(workspace, case_id, "propose_terms", actor="sue", roles=["sales"], hours=1)


def test_an_unknown_action_or_a_missing_comment_is_invalid(workspace: Database) -> None:
    case_id = _open_case(workspace)
    with pytest.raises(InvalidRequestError, match="no action 'approve'"):
        _act(workspace, case_id, "approve", actor="sam", roles=["sales_manager"], hours=1)
    with pytest.raises(InvalidRequestError, match="requires a comment"):
        _act(workspace, case_id, "no_change", actor="sam", roles=["sales_manager"], hours=1)


def test_a_stale_version_is_a_conflict(workspace: Database) -> None:
    case_id = _open_case(workspace)
    first = _act(
        workspace,
        case_id,
        "propose_terms",
        actor="sam",
        roles=["sales_manager"],
        hours=1,
        expected_version=1,
    )
    assert first.row_version == 2
    with pytest.raises(ConflictError):
        _act(
            workspace,
            case_id,
            "approve",
            actor="fay",
            roles=["finance_head"],
            hours=2,
            expected_version=1,
        )


def test_a_concurrent_update_is_a_conflict(workspace: Database) -> None:
    case_id = _open_case(workspace)
    with workspace.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        # someone else's action lands between our read and our conditional write
        # (on another connection in real life: our in-session row keeps the version it read)
        session.execute(
            update(Case)
            .where(col(Case.id) == case_id)
            .values(row_version=Case.row_version + 1)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(ConflictError):
            update_versioned(session, case, step="finance_approval")


def test_propose_then_approve_changes_the_terms_and_closes_the_case(
    workspace: Database,
) -> None:
    case_id = _open_case(workspace)
    proposed = _act(
        workspace,
        case_id,
        "propose_terms",
        actor="sam",
        roles=["sales_manager"],
        hours=2,
        comment="halve the line",
    )
    assert (proposed.step, proposed.assigned_role) == ("finance_approval", "finance_head")
    done = _act(
        workspace,
        case_id,
        "approve",
        actor="fay",
        roles=["finance_head"],
        hours=3,
        expected_version=proposed.row_version,
    )
    assert done.status == "closed"
    assert done.available_actions == ()
    assert [(h.from_step, h.to_step, h.actor) for h in done.history] == [
        (None, "sales_review", "api"),
        ("sales_review", "finance_approval", "sam"),
        ("finance_approval", "apply", "fay"),
        ("apply", "closed", "fay"),
    ]
    assert done.history[1].comment == "halve the line"
    with workspace.transaction() as session:
        customer = session.exec(select(Customer)).one()
        assert customer.credit_limit == Decimal(500_000)
        assert customer.payment_terms_days == 30
        assert customer.prepayment_pct == Decimal("0.3")
        assert customer.order_hold is False
        change = session.exec(select(TermsChange)).one()
        assert change.case_id == case_id and change.actor == "fay"
        assert change.before["credit_limit"] == 1_000_000
        assert change.before["payment_terms_days"] == 60
        assert change.after["credit_limit"] == 500_000
        assert change.after["prepayment_pct"] == 0.3
        pending = session.exec(
            select(Timer).where(col(Timer.fired_at).is_(None), col(Timer.cancelled_at).is_(None))
        ).all()
        assert pending == []
        actions = [e.action for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))]
        assert audit.verify_chain(session) is None
    assert actions.count("case.action") == 2
    assert "terms.changed" in actions
    assert "case.closed" in actions


def test_a_closed_case_takes_no_action(workspace: Database) -> None:
    case_id = _open_case(workspace)
    _act(
        workspace,
        case_id,
        "no_change",
        actor="sam",
        roles=["sales_manager"],
        hours=1,
        comment="known customer, paying",
    )
    with pytest.raises(ConflictError, match="closed"):
        _act(workspace, case_id, "propose_terms", actor="sam", roles=["sales_manager"], hours=2)
