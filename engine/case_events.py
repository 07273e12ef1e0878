"""One path for every event of an open case (STYLE.md §9): load the case's workflow version,
`workflows.advance` it against the customer's record, write the transition and carry out its
effects (engine.casework), and re-score the customer when its terms or data changed.

An action (engine.cases), a timer (engine.timers), a change of the customer's record
(`cancel_when`) and a trigger firing again (`dedupe: add_reason`) all arrive here. The caller
holds the case's locks (engine.casework.lock_case) and maps a refused action to its error.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlmodel import Session, col, select

import workflows
from engine import casework, evaluation, specs
from engine.case_env import workflow_env
from engine.models import Case, CaseStatus, Customer

SYSTEM_ACTOR = "system"


@dataclass(frozen=True, slots=True)
class Advanced:
    """What one event did to a case: nothing (a stale timer, a guard that does not hold), or
    the transition written and whether the customer's record changed (re-scored already)."""

    case: Case
    acted: bool
    record_changed: bool = False


def advance_case(
    session: Session,
    locked: casework.LockedCase,
    event: workflows.Event,
    *,
    audit_action: str,
    actor: str | None,
    actor_roles: Collection[str] = (),
    on_behalf_of: str | None = None,
    action: str | None = None,
    comment: str | None = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: datetime,
    tz: tzinfo,
    rescore: bool = True,
) -> Advanced:
    """Apply `event` to the locked, open case and write what it did.

    Raises what `workflows.advance` raises for a refused action (the caller maps it), and
    ConflictError when the case is not at `expected_version`. `rescore`: re-score the customer
    when the effects changed its terms or data (False when the caller does it itself).
    """
    case, customer = locked.case, locked.customer
    workflow = specs.load_workflow(session, case.workflow_key, case.workflow_version)
    record = evaluation.assessment_record(session, customer, tz=tz) if customer is not None else {}
    transition = workflows.advance(
        workflow.value,
        casework.case_state(case),
        event,
        record=record,
        now=now,
        env=workflow_env(session, workflow.value, customer, tz=tz),
    )
    if transition.is_noop:
        return Advanced(case=case, acted=False)
    applied = casework.apply_transition(
        session,
        case,
        customer,
        transition,
        audit_action=audit_action,
        action=action,
        actor=actor,
        actor_roles=actor_roles,
        on_behalf_of=on_behalf_of,
        comment=comment,
        data=data,
        expected_version=expected_version,
        now=now,
    )
    if applied.terms_changed and rescore and customer is not None:
        evaluation.assess_customer(session, customer, actor=actor or SYSTEM_ACTOR, now=now, tz=tz)
    return Advanced(case=case, acted=True, record_changed=applied.terms_changed)


def open_cases_of(session: Session, customer_id: int) -> list[Case]:
    """The customer's open cases, oldest first."""
    return list(
        session.exec(
            select(Case)
            .where(col(Case.customer_id) == customer_id, col(Case.status) == CaseStatus.OPEN)
            .order_by(col(Case.id))
        )
    )


def supersede_cases(
    session: Session, customer: Customer, *, actor: str | None, now: datetime, tz: tzinfo
) -> list[int]:
    """Close, as `superseded`, every open case of `customer` whose workflow's `cancel_when`
    holds for the customer's record as it now stands; returns their ids. Nothing is queried
    when no published workflow has a `cancel_when`."""
    if customer.id is None or not any(
        w.value.cancel_when is not None for w in specs.published_workflows(session)
    ):
        return []
    closed: list[int] = []
    for case in open_cases_of(session, customer.id):
        workflow = specs.load_workflow(session, case.workflow_key, case.workflow_version)
        if workflow.value.cancel_when is None:
            continue
        assert case.id is not None
        locked = casework.lock_case(session, case.id)
        if locked is None or locked.case.status != CaseStatus.OPEN:
            continue
        done = advance_case(
            session,
            locked,
            workflows.RecordChanged(),
            audit_action="case.superseded",
            actor=actor,
            now=now,
            tz=tz,
            rescore=False,  # closing a case changes no terms
        )
        if done.acted:
            closed.append(case.id)
    return closed
