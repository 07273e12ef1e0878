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

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

import workflows
from engine import audit, case_effects
from engine.case_env import workflow_env
from engine.models import Assessment, Case, CaseStatus, CaseTransition, Customer, Timer
from engine.rows import update_versioned
from engine.specs import LoadedSpec
from engine.types import is_row_id

# Case.context: engine-side data about a case (its version; a ruleset_change case's
# `spec_change`, engine.spec_changes).
CONTEXT_SCHEMA_VERSION = 1


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
        "assigned_user": state.assigned_user,
        "assigned_department": state.assigned_department,
        "due_at": state.due_at,
        "escalation_level": state.escalation_level,
        "outcome": state.outcome,
        "state": state.to_dict(),  # carries its own schema_version
    }


def case_state(case: Case) -> workflows.CaseState:
    """The workflows.CaseState stored on a case row."""
    return workflows.CaseState.from_dict(case.state)


def history_rows(
    case_id: int,
    transition: workflows.Transition,
    *,
    actor: str | None,
    data: Mapping[str, Any] | None,
    on_behalf_of: str | None = None,
) -> list[dict[str, Any]]:
    """The case_transitions rows of `transition` (every column but id), one per step change,
    with the data it carries (an action form's, an added reason); `data` goes on the first when
    the change carries none (the event's own, e.g. a timer's); changes the workflow made by
    itself (do steps, escalations) name `actor` too. `on_behalf_of`: the user the actor acted
    for, as their delegate."""
    rows: list[dict[str, Any]] = []
    for index, change in enumerate(transition.history):
        carried = dict(change.data) or (dict(data or {}) if index == 0 else {})
        rows.append(
            {
                "case_id": case_id,
                "from_step": change.from_step,
                "to_step": change.to_step,
                "action": change.action,
                "reason": str(change.reason),
                "assigned_role": change.assigned_role,
                "assigned_user": change.assigned_user,
                "actor": change.actor or actor,
                "on_behalf_of": on_behalf_of if change.actor else None,
                "comment": change.comment,
                "data": carried,
                "at": change.at,
            }
        )
    return rows


def timer_rows(
    case_id: int, transition: workflows.Transition, *, now: datetime
) -> list[dict[str, Any]]:
    """The timers rows `transition` sets (every column but id and those left to their
    defaults)."""
    return [
        {
            "kind": request.kind,
            "case_id": case_id,
            "payload": dict(request.payload),
            "due_at": request.due_at,
            "created_at": now,
        }
        for request in transition.timers_to_set
    ]


def _write_history(
    session: Session,
    case: Case,
    transition: workflows.Transition,
    *,
    actor: str | None,
    data: Mapping[str, Any] | None,
    on_behalf_of: str | None = None,
) -> None:
    """The case's `history_rows`, written."""
    assert case.id is not None
    for row in history_rows(case.id, transition, actor=actor, data=data, on_behalf_of=on_behalf_of):
        session.add(CaseTransition(**row))
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
    for row in timer_rows(case.id, transition, now=now):
        session.add(Timer(**row))
    session.flush()


def apply_effects(
    session: Session,
    case: Case,
    customer: Customer | None,
    transition: workflows.Transition,
    *,
    actor: str | None,
    actor_roles: Collection[str] = (),
    now: datetime,
) -> bool:
    """Carry out the transition's effects (engine.case_effects); True when the customer's
    terms or data changed."""
    context = case_effects.EffectContext(
        session=session,
        case=case,
        customer=customer,
        state=transition.state,
        actor=actor,
        actor_roles=tuple(actor_roles),
        now=now,
    )
    return case_effects.carry_out(context, transition.effects).record_changed


@dataclass(frozen=True, slots=True)
class CaseOpening:
    """What opening a case of `workflow` for `customer` writes, decided before the case has an
    id (`plan_opening`): its first transition and the cases row's columns (all but id).
    `open_case` writes one through the ORM; engine.case_openings writes many at once."""

    workflow: LoadedSpec[workflows.Workflow]
    customer: Customer | None
    transition: workflows.Transition
    values: Mapping[str, Any]

    def audit_detail(self) -> dict[str, Any]:
        """The detail of the case's `case.opened` audit row."""
        return {
            "workflow": self.workflow.key,
            "workflow_version": self.workflow.version,
            "customer": self.customer.external_ref if self.customer is not None else None,
            "step": self.values["step"],
            "assigned_role": self.values["assigned_role"],
            "due_at": self.values["due_at"],
        }


def plan_opening(
    session: Session,
    *,
    workflow: LoadedSpec[workflows.Workflow],
    customer: Customer | None,
    record: Mapping[str, Any],
    now: datetime,
    context: Mapping[str, Any] | None = None,
    tz: tzinfo = UTC,
) -> CaseOpening:
    """What `open_case` writes (see there), nothing written yet."""
    env = workflow_env(session, workflow.value, customer, tz=tz)
    transition = workflows.start(workflow.value, record=record, now=now, env=env)
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
    columns = _state_columns(transition.state)
    values = {
        "workflow_key": workflow.key,
        "workflow_version": workflow.version,
        "customer_id": customer.id if customer is not None else None,
        "context": {**(context or {}), **opened_with, "schema_version": CONTEXT_SCHEMA_VERSION},
        "opened_at": now,
        "closed_at": now if columns["status"] == CaseStatus.CLOSED else None,
        **columns,
    }
    return CaseOpening(workflow=workflow, customer=customer, transition=transition, values=values)


def open_case(
    session: Session,
    *,
    workflow: LoadedSpec[workflows.Workflow],
    customer: Customer | None,
    record: Mapping[str, Any],
    actor: str | None,
    now: datetime,
    context: Mapping[str, Any] | None = None,
    tz: tzinfo = UTC,
) -> Applied:
    """Start `workflow` for `customer` (None: a case about no customer, such as a
    ruleset_change): the case row with `context`, its first transition(s), timers, effects.
    `tz`: the workspace time zone (business days keep their local time of day in it)."""
    opening = plan_opening(
        session,
        workflow=workflow,
        customer=customer,
        record=record,
        now=now,
        context=context,
        tz=tz,
    )
    case = Case(**opening.values)
    session.add(case)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="case.opened",
        entity_kind="case",
        entity_id=case.id,
        detail=opening.audit_detail(),
        department=customer.department if customer is not None else None,
        customer_ref=customer.external_ref if customer is not None else None,
        now=now,
    )
    transition = opening.transition
    _write_history(session, case, transition, actor=actor, data=None)
    _write_timers(session, case, transition, now=now)
    terms_changed = apply_effects(session, case, customer, transition, actor=actor, now=now)
    return Applied(case=case, terms_changed=terms_changed)


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
    actor_roles: Collection[str] = (),
    on_behalf_of: str | None = None,
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
            "assigned_user": case.assigned_user,
            "comment": comment,
            "on_behalf_of": on_behalf_of,
        },
        department=customer.department if customer is not None else None,
        customer_ref=customer.external_ref if customer is not None else None,
        now=now,
    )
    _write_history(session, case, transition, actor=actor, data=data, on_behalf_of=on_behalf_of)
    _write_timers(session, case, transition, now=now)
    terms_changed = apply_effects(
        session, case, customer, transition, actor=actor, actor_roles=actor_roles, now=now
    )
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
