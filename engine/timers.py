"""Durable timers: claim the due ones, fire each once in its own transaction (DESIGN.md, timers).

A sweep first *claims* due timers in one short transaction (PostgreSQL: `SELECT ... FOR UPDATE
SKIP LOCKED`; SQLite: `BEGIN IMMEDIATE` serialises writers), writing `claimed_by`/`claimed_at`.
It then fires each claimed timer in a transaction of its own that also sets `fired_at`, guarded by
`fired_at IS NULL AND claimed_by = <this worker>`: a timer fires at most once, and one claimed by
a worker that crashed is taken again by any sweep once the claim has expired.

A timer whose firing fails is released with `attempts + 1` and its `last_error`, to be retried by
the next sweep; after MAX_ATTEMPTS it is given up (cancelled) and that is audited.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import ColumnElement, update
from sqlmodel import Session, col, select

import workflows
from engine import audit, casework, specs, terms_restore
from engine.claims import claim_rows, unclaimed
from engine.db import Database
from engine.evaluation import assess_customer, assessment_record
from engine.models import Case, CaseStatus, Customer, TermsChange, Timer
from engine.views import SweepReport

log = logging.getLogger(__name__)

CLAIM_EXPIRY = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BATCH_SIZE = 100
SYSTEM_ACTOR = "system"


def _claimable(now: datetime, expiry: timedelta) -> list[ColumnElement[bool]]:
    return [
        col(Timer.fired_at).is_(None),
        col(Timer.cancelled_at).is_(None),
        col(Timer.due_at) <= now,
        unclaimed(Timer, now=now, expiry=expiry),
    ]


def claim_due_timers(
    database: Database,
    *,
    now: datetime,
    worker: str,
    claim_expiry: timedelta = CLAIM_EXPIRY,
    limit: int = BATCH_SIZE,
) -> list[int]:
    """Claim up to `limit` due timers for `worker` in one transaction; returns their ids.

    Due means `due_at <= now`, not fired, not cancelled, and unclaimed or claimed longer than
    `claim_expiry` ago.
    """
    conditions = _claimable(now, claim_expiry)
    query = select(Timer.id).where(*conditions).order_by(col(Timer.due_at), col(Timer.id))
    return claim_rows(database, Timer, query, conditions, worker=worker, now=now, limit=limit)


def _fire(session: Session, timer: Timer, *, now: datetime, tz: tzinfo) -> bool:
    """Carry out one timer inside `session`; True when it acted, False when it had nothing to do."""
    return TIMER_KINDS.get(timer.kind, _fire_case_timer)(session, timer, now=now, tz=tz)


def _fire_restore(session: Session, timer: Timer, *, now: datetime, tz: tzinfo) -> bool:
    """A temporary terms change's `until` has come: restore it, then re-score the customer."""
    if not terms_restore.fire_restore_timer(session, timer, actor=SYSTEM_ACTOR, now=now):
        return False
    change = session.get(TermsChange, timer.payload["terms_change_id"])
    customer = session.get(Customer, change.customer_id) if change is not None else None
    if customer is not None:
        assess_customer(session, customer, actor=SYSTEM_ACTOR, now=now, tz=tz)
    return True


def _fire_case_timer(session: Session, timer: Timer, *, now: datetime, tz: tzinfo) -> bool:
    """A timer a workflow asked for (escalation, reminder): the case's next move."""
    if timer.case_id is None:
        raise ValueError(f"timer {timer.id} of kind '{timer.kind}' names no case")
    case = session.get(Case, timer.case_id)
    if case is None or case.status != CaseStatus.OPEN:
        return False
    # a case about no customer (a ruleset_change) has no record for its guards
    customer = session.get(Customer, case.customer_id) if case.customer_id is not None else None
    workflow = specs.load_workflow(session, case.workflow_key, case.workflow_version)
    # workflows.TimerRequest: a timer fires back as TimerFired(kind, **payload); due_at tells a
    # timer left over from an earlier visit of the step.
    event = workflows.TimerFired(kind=timer.kind, due_at=timer.due_at, **timer.payload)
    transition = workflows.advance(
        workflow.value,
        casework.case_state(case),
        event,
        record=assessment_record(session, customer) if customer is not None else {},
        now=now,
    )
    if transition.is_noop:
        return False  # stale (another step, an earlier visit, a level already applied)
    applied = casework.apply_transition(
        session,
        case,
        customer,
        transition,
        audit_action="case.escalated",
        action=None,
        actor=SYSTEM_ACTOR,
        comment=None,
        data={"timer_id": timer.id, "kind": timer.kind, **timer.payload},
        expected_version=None,
        now=now,
    )
    if applied.terms_changed and customer is not None:
        assess_customer(session, customer, actor=SYSTEM_ACTOR, now=now, tz=tz)
    return True


# Timers that are not a case's next move, by kind; every other kind goes to its case's workflow.
TIMER_KINDS: Mapping[str, Callable[..., bool]] = {terms_restore.RESTORE_TERMS: _fire_restore}


def fire_timer(
    database: Database,
    timer_id: int,
    *,
    now: datetime,
    worker: str,
    tz: tzinfo = UTC,
    max_attempts: int = MAX_ATTEMPTS,
) -> bool | None:
    """Fire one timer claimed by `worker`, in its own transaction, marking it fired there.

    Returns True when it fired; False when there was nothing to do (fired, cancelled or retaken
    by another worker meanwhile; or stale, or its case closed: then it is cancelled); None when
    firing failed (released for a retry, or given up after `max_attempts`).
    """
    try:
        with database.transaction() as session:
            # Lock order (engine.casework): the case, its timers (this one among them), its
            # customer, the audit head last; an action on the same case takes them alike.
            case_id = session.exec(select(Timer.case_id).where(Timer.id == timer_id)).first()
            if case_id is not None:
                casework.lock_case(session, case_id)
            marked = session.execute(
                update(Timer)
                .where(
                    col(Timer.id) == timer_id,
                    col(Timer.fired_at).is_(None),
                    col(Timer.cancelled_at).is_(None),
                    col(Timer.claimed_by) == worker,
                )
                .values(fired_at=now)
                .execution_options(synchronize_session=False)
            )
            if marked.rowcount != 1:  # type: ignore[attr-defined]
                return False
            timer = session.get(Timer, timer_id)
            assert timer is not None
            acted = _fire(session, timer, now=now, tz=tz)
            if not acted:
                # Stale, or its case closed before it fell due: nothing to escalate.
                timer.fired_at = None
                timer.cancelled_at = now
                session.add(timer)
            return acted
    except Exception as exc:
        log.exception("timer %s failed to fire", timer_id)
        _record_failure(database, timer_id, exc, now=now, max_attempts=max_attempts)
        return None


def _record_failure(
    database: Database, timer_id: int, exc: Exception, *, now: datetime, max_attempts: int
) -> None:
    error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    with database.transaction() as session:
        timer = session.get(Timer, timer_id)
        if timer is None or timer.fired_at is not None:
            return
        timer.attempts += 1
        timer.last_error = error
        timer.claimed_by = None
        timer.claimed_at = None
        gave_up = timer.attempts >= max_attempts
        if gave_up:
            timer.cancelled_at = now
        session.add(timer)
        if gave_up:
            customer = _customer_of_case(session, timer.case_id)
            audit.record(
                session,
                actor=SYSTEM_ACTOR,
                action="timer.given_up",
                entity_kind="timer",
                entity_id=timer_id,
                detail={"case_id": timer.case_id, "attempts": timer.attempts, "error": error},
                # the case's customer: a department's auditors see what failed on their cases
                department=customer.department if customer is not None else None,
                customer_ref=customer.external_ref if customer is not None else None,
                now=now,
            )


def _customer_of_case(session: Session, case_id: int | None) -> Customer | None:
    case = session.get(Case, case_id) if case_id is not None else None
    if case is None or case.customer_id is None:
        return None
    return session.get(Customer, case.customer_id)


def sweep(
    database: Database,
    *,
    now: datetime,
    worker: str,
    tz: tzinfo = UTC,
    claim_expiry: timedelta = CLAIM_EXPIRY,
    max_attempts: int = MAX_ATTEMPTS,
    batch_size: int = BATCH_SIZE,
) -> SweepReport:
    """Claim the timers due at `now` and fire each once; safe to run from several processes.

    `tz` is the workspace time zone (the evaluation date of a re-score a timer causes).
    """
    claimed = claim_due_timers(
        database, now=now, worker=worker, claim_expiry=claim_expiry, limit=batch_size
    )
    fired = failed = 0
    for timer_id in claimed:
        outcome = fire_timer(
            database, timer_id, now=now, worker=worker, tz=tz, max_attempts=max_attempts
        )
        if outcome is True:
            fired += 1
        elif outcome is None:
            failed += 1
    return SweepReport(claimed=len(claimed), fired=fired, failed=failed)
