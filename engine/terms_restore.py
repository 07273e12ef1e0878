"""Temporary terms changes and their restoration (docs/workflows.md, "Temporary terms").

A workflow's `change_terms` with `until` and/or `restore_when` changes the terms now and is
undone later through the same audited path (`engine.terms.change_terms`): at `until` by a
`restore_terms` timer, or as soon as the `restore_when` guard holds for the customer's record
(checked after every assessment). Only the terms the change set, and that still hold the value it
set, are restored: a term someone changed since is left as it is, and the audit row says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session, col, select

import dsl
from engine import audit, customer_data
from engine.models import Customer, TermsChange, Timer
from engine.terms import ChangeOrigin, change_terms, terms_snapshot

RESTORE_TERMS = "restore_terms"  # the kind of timer that undoes a temporary change


def schedule_restore(session: Session, change: TermsChange, *, now: datetime) -> None:
    """Set the timer that restores `change` at its `restore_at` (none without one)."""
    if change.restore_at is None:
        return
    assert change.id is not None
    session.add(
        Timer(
            kind=RESTORE_TERMS,
            case_id=change.case_id,
            payload={"terms_change_id": change.id},
            due_at=change.restore_at,
            created_at=now,
        )
    )
    session.flush()


def restore(
    session: Session,
    change: TermsChange,
    customer: Customer,
    *,
    reason: str,
    actor: str | None,
    now: datetime,
) -> TermsChange | None:
    """Undo temporary `change` for `customer` (`reason`: `until` or `restore_when`).

    Marks it restored, cancels its pending timer and, where the customer still has the terms it
    set, puts back the ones it replaced. Returns the restoring TermsChange (None when nothing
    was left to restore). A change already restored is left alone (returns None).
    """
    if change.restored_at is not None:
        return None
    assert change.id is not None
    current = terms_snapshot(customer)
    changed = [
        name
        for name, value in change.after.items()
        if name != "currency" and change.before.get(name) != value
    ]
    restorable = {n: change.before[n] for n in changed if current.get(n) == change.after[n]}
    kept = sorted(set(changed) - set(restorable))
    change.restored_at = now
    session.add(change)
    pending = session.exec(
        select(Timer).where(
            col(Timer.kind) == RESTORE_TERMS,
            col(Timer.fired_at).is_(None),
            col(Timer.cancelled_at).is_(None),
            col(Timer.case_id) == change.case_id,
        )
    ).all()
    for timer in pending:
        if timer.payload.get("terms_change_id") == change.id:
            timer.cancelled_at = now
            session.add(timer)
    restoring = None
    if restorable:
        restoring = change_terms(
            session,
            customer,
            restorable,
            case_id=change.case_id,
            actor=actor,
            now=now,
            origin=ChangeOrigin(case_id=change.case_id, restores=change.id),
        )
        if restoring is not None:  # a computed field may read the terms
            customer_data.recompute(session, customer, case_id=change.case_id, actor=actor, now=now)
    audit.record(
        session,
        actor=actor,
        action="terms.restored",
        entity_kind="customer",
        entity_id=customer.external_ref,
        detail={
            "terms_change_id": change.id,
            "reason": reason,
            "restored": sorted(restorable),
            "kept": kept,  # changed since by someone else: left as they are
            "restoring_change_id": restoring.id if restoring is not None else None,
        },
        department=customer.department,
        customer_ref=customer.external_ref,
        now=now,
    )
    return restoring


@lru_cache(maxsize=256)
def _guard(source: str) -> dsl.CompiledExpression:
    # checked against the customer's schema when the workflow was loaded; compiled again here
    # from its text (the source is the truth, STYLE.md §2)
    return dsl.compile_expression(source, filename="restore_when", expect=dsl.ValueType.BOOLEAN)


def restore_when_due(
    session: Session,
    customer: Customer,
    record_of: Callable[[], Mapping[str, Any]],
    *,
    actor: str | None,
    now: datetime,
) -> list[TermsChange]:
    """Restore every temporary change of `customer` whose `restore_when` holds for the record
    `record_of()` gives (the guard record after an assessment; built only when the customer has
    such a change); returns the restoring changes."""
    assert customer.id is not None
    pending = session.exec(
        select(TermsChange)
        .where(
            col(TermsChange.customer_id) == customer.id,
            col(TermsChange.restored_at).is_(None),
            col(TermsChange.restore_when).is_not(None),
        )
        .order_by(col(TermsChange.id))
    ).all()
    restored: list[TermsChange] = []
    record = record_of() if pending else {}
    for change in pending:
        assert change.restore_when is not None
        if _guard(change.restore_when).evaluate(record) is not True:
            continue
        done = restore(session, change, customer, reason="restore_when", actor=actor, now=now)
        if done is not None:
            restored.append(done)
    return restored


def fire_restore_timer(session: Session, timer: Timer, *, actor: str, now: datetime) -> bool:
    """Carry out a `restore_terms` timer; False when there was nothing to do (the change is
    gone or already restored)."""
    change_id = timer.payload.get("terms_change_id")
    change = session.get(TermsChange, change_id) if isinstance(change_id, int) else None
    if change is None or change.restored_at is not None:
        return False
    customer = session.get(Customer, change.customer_id)
    if customer is None:
        return False
    restore(session, change, customer, reason="until", actor=actor, now=now)
    return True
