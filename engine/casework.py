"""Carrying out a workflow `Transition`: the case row, its history, its timers and its effects.

workflows/ decides (pure); this module writes what was decided, inside the caller's transaction:
the case's new state (a conditional update on `row_version`), one `case_transitions` row per step
change, pending timers cancelled and new ones set, credit-terms changes with their before/after,
and the audit rows. Re-scoring after a terms change is the caller's (engine.evaluation).

Lock order: every transaction that changes an existing case (an action, a timer firing) first
calls `lock_case`, which locks the case row, then its pending timers, then its customer; the
audit head is locked last, by engine.audit.record. Taken in one order everywhere, two writers of
one case queue behind each other instead of deadlocking (issue 8, item 7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

import workflows
from engine import audit
from engine.models import Assessment, Case, CaseStatus, CaseTransition, Customer, Timer
from engine.rows import update_versioned
from engine.specs import LoadedSpec
from engine.terms import change_terms
from engine.types import is_row_id

# Case.context: engine-side data about a case (its version; a ruleset_change case's
# `spec_change`, engine.spec_changes).
CONTEXT_SCHEMA_VERSION = 1

# case_transitions.reason of a history row saying the trigger fired again (engine.triggers)
REASON_ADDED = "reason_added"


@dataclass(frozen=True, slots=True)
class Applied:
    """What carrying out one transition did."""

    case: Case
    terms_changed: bool


@dataclass(frozen=True, slots=True)
class LockedCase:
    """A case and its customer, locked for the rest of the transaction (see `lock_case`);
    `customer` is None for a case about no customer (a ruleset_change)."""

    case: Case
    customer: Customer | None


def lock_case(session: Session, case_id: int) -> LockedCase | None:
    """Lock case `case_id`, its pending timers and its customer, in that order; None if no case.

    An id no row can have is no case. On PostgreSQL `SELECT ... FOR NO KEY UPDATE` (the lock an
    UPDATE takes, which still lets other transactions insert rows referring to them); the rows
    are re-read once locked, so the caller sees what the previous holder committed. SQLite's
    `BEGIN IMMEDIATE` already serialises writers, and SQLAlchemy emits no lock clause there.
    """
    if not is_row_id(case_id):
        return None
    case = session.exec(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).first()
    if case is None:
        return None
    session.exec(
        select(Timer.id)
        .where(
            col(Timer.case_id) == case_id,
            col(Timer.fired_at).is_(None),
            col(Timer.cancelled_at).is_(None),
        )
        .order_by(col(Timer.id))
        .with_for_update(key_share=True)
    ).all()
    customer = None
    if case.customer_id is not None:
        customer = session.exec(
            select(Customer)
            .where(Customer.id == case.customer_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        ).one()
    return LockedCase(case=case, customer=customer)


def _state_columns(state: workflows.CaseState) -> dict[str, Any]:
    """The case columns that mirror the workflow state (for lists, filters and the inbox)."""
    return {
        "status": CaseStatus.OPEN if state.is_open else CaseStatus.CLOSED,
        "step": state.step,
        "assigned_role": state.assigned_role,
        "due_at": state.due_at,
        "escalation_level": state.escalation_level,
        "outcome": state.outcome,
        "state": state.to_dict(),  # carries its own schema_version
    }


def case_state(case: Case) -> workflows.CaseState:
    """The workflows.CaseState stored on a case row."""
    return workflows.CaseState.from_dict(case.state)


def _write_history(
    session: Session,
    case: Case,
    transition: workflows.Transition,
    *,
    actor: str | None,
    data: Mapping[str, Any] | None,
) -> None:
    """One case_transitions row per step change; `data` goes on the first (the one the event
    caused); changes the workflow made by itself (do steps, escalations) name `actor` too."""
    assert case.id is not None
    for index, change in enumerate(transition.history):
        session.add(
            CaseTransition(
                case_id=case.id,
                from_step=change.from_step,
                to_step=change.to_step,
                action=change.action,
                reason=str(change.reason),
                assigned_role=change.assigned_role,
                actor=change.actor or actor,
                comment=change.comment,
                data=dict(data or {}) if index == 0 else {},
                at=change.at,
            )
        )
    session.flush()


def _write_timers(
    session: Session, case: Case, transition: workflows.Transition, *, now: datetime
) -> None:
    assert case.id is not None
    if transition.cancel_timers:
        session.execute(
            update(Timer)
            .where(
                col(Timer.case_id) == case.id,
                col(Timer.fired_at).is_(None),
                col(Timer.cancelled_at).is_(None),
            )
            .values(cancelled_at=now)
            .execution_options(synchronize_session=False)
        )
    for request in transition.timers_to_set:
        session.add(
            Timer(
                kind=request.kind,
                case_id=case.id,
                payload=dict(request.payload),
                due_at=request.due_at,
                created_at=now,
            )
        )
    session.flush()


def _apply_effects(
    session: Session,
    case: Case,
    customer: Customer | None,
    transition: workflows.Transition,
    *,
    actor: str | None,
    now: datetime,
) -> bool:
    terms_changed = False
    for effect in transition.effects:
        # a case about no customer has no terms to change (its workflow's check refuses them)
        if isinstance(effect, workflows.ChangeTerms) and customer is not None:
            change = change_terms(
                session,
                customer,
                effect.values,
                case_id=case.id,
                actor=actor,
                now=now,
                missing=effect.missing,
            )
            terms_changed = terms_changed or change is not None
        # Notify effects wait for the notifications service (inbox, e-mail, webhooks).
    return terms_changed


def open_case(
    session: Session,
    *,
    workflow: LoadedSpec[workflows.Workflow],
    customer: Customer | None,
    record: Mapping[str, Any],
    actor: str | None,
    now: datetime,
    context: Mapping[str, Any] | None = None,
) -> Applied:
    """Start `workflow` for `customer` (None: a case about no customer, such as a
    ruleset_change): the case row with `context`, its first transition(s), timers, effects."""
    transition = workflows.start(workflow.value, record=record, now=now)
    assert customer is None or customer.id is not None
    opened_with = {}
    if customer is not None and "opened_with" not in (context or {}):
        # the assessment the case opened on, for the case page's "then and now"
        latest = session.exec(
            select(Assessment.id)
            .where(col(Assessment.customer_id) == customer.id)
            .order_by(col(Assessment.id).desc())
            .limit(1)
        ).first()
        opened_with = {"opened_with": {"assessment_id": latest}}
    case = Case(
        workflow_key=workflow.key,
        workflow_version=workflow.version,
        customer_id=customer.id if customer is not None else None,
        context={**(context or {}), **opened_with, "schema_version": CONTEXT_SCHEMA_VERSION},
        opened_at=now,
        closed_at=None,
        **_state_columns(transition.state),
    )
    if case.status == CaseStatus.CLOSED:
        case.closed_at = now
    session.add(case)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="case.opened",
        entity_kind="case",
        entity_id=case.id,
        detail={
            "workflow": workflow.key,
            "workflow_version": workflow.version,
            "customer": customer.external_ref if customer is not None else None,
            "step": case.step,
            "assigned_role": case.assigned_role,
            "due_at": case.due_at,
        },
        department=customer.department if customer is not None else None,
        customer_ref=customer.external_ref if customer is not None else None,
        now=now,
    )
    _write_history(session, case, transition, actor=actor, data=None)
    _write_timers(session, case, transition, now=now)
    terms_changed = _apply_effects(session, case, customer, transition, actor=actor, now=now)
    return Applied(case=case, terms_changed=terms_changed)


def add_reason(
    session: Session,
    case: Case,
    customer: Customer,
    *,
    reason: Mapping[str, Any],
    actor: str | None,
    now: datetime,
) -> None:
    """Record that the trigger of `case`'s workflow fired again for its customer (`dedupe:
    add_reason`): the reason joins the case's context and history; the case stays where it is."""
    assert case.id is not None
    reasons = [*case.context.get("reasons", []), dict(reason)]
    update_versioned(session, case, context={**case.context, "reasons": reasons})
    session.add(
        CaseTransition(
            case_id=case.id,
            from_step=case.step,
            to_step=case.step,
            action=None,
            reason=REASON_ADDED,
            assigned_role=case.assigned_role,
            actor=actor,
            comment=None,
            data=dict(reason),
            at=now,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="case.reason_added",
        entity_kind="case",
        entity_id=case.id,
        detail={"reason": dict(reason), "step": case.step},
        department=customer.department,
        customer_ref=customer.external_ref,
        now=now,
    )


def apply_transition(
    session: Session,
    case: Case,
    customer: Customer | None,
    transition: workflows.Transition,
    *,
    audit_action: str,
    action: str | None,
    actor: str | None,
    comment: str | None,
    data: Mapping[str, Any] | None,
    expected_version: int | None,
    now: datetime,
) -> Applied:
    """Write a transition computed by workflows.advance for an open case.

    Raises ConflictError when the case is not at `expected_version` (or changed since read).
    """
    before_step = case.step
    columns = _state_columns(transition.state)
    if columns["status"] == CaseStatus.CLOSED:
        columns["closed_at"] = now
    update_versioned(session, case, expected_version=expected_version, **columns)
    audit.record(
        session,
        actor=actor,
        action=audit_action,
        entity_kind="case",
        entity_id=case.id,
        detail={
            "action": action,
            "from_step": before_step,
            "to_step": case.step,
            "status": case.status,
            "assigned_role": case.assigned_role,
            "escalation_level": case.escalation_level,
            "comment": comment,
        },
        department=customer.department if customer is not None else None,
        customer_ref=customer.external_ref if customer is not None else None,
        now=now,
    )
    _write_history(session, case, transition, actor=actor, data=data)
    _write_timers(session, case, transition, now=now)
    terms_changed = _apply_effects(session, case, customer, transition, actor=actor, now=now)
    if case.status == CaseStatus.CLOSED:
        audit.record(
            session,
            actor=actor,
            action="case.closed",
            entity_kind="case",
            entity_id=case.id,
            detail={"outcome": case.outcome, "step": case.step},
            department=customer.department if customer is not None else None,
            customer_ref=customer.external_ref if customer is not None else None,
            now=now,
        )
    return Applied(case=case, terms_changed=terms_changed)
