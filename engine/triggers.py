"""Starting workflows for what happened to a customer: one path for every trigger kind.

Whatever happened (a tier change, an alert, a changed field, an event, a review falling due, a
held order, a user's click) arrives as a `workflows.Occurrence`; every published workflow it
fires (`workflows.fires`: kind, the kind's parameters, the `when` guard) opens a case, unless the
customer already has an open case of that workflow: then its `dedupe` says whether the new
reason is added to that case or ignored. All in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

import workflows
from engine import case_events, casework, specs
from engine.models import Case, CaseStatus, Customer
from engine.rows import update_versioned

_OPEN_CASE = select(Case).where(
    col(Case.customer_id) == bindparam("customer_id"),
    col(Case.workflow_key) == bindparam("workflow_key"),
    col(Case.status) == CaseStatus.OPEN,
)


@dataclass(slots=True)
class Started:
    """What an occurrence did: the cases it opened, the open cases it added its reason to, and
    whether a case it opened changed the customer's terms (the caller re-scores them)."""

    opened: list[int] = field(default_factory=list)
    reasons_added: list[int] = field(default_factory=list)
    terms_changed: bool = False


def open_case_of(session: Session, customer_id: int, workflow_key: str) -> Case | None:
    """The customer's open case of `workflow_key`, if any (there is at most one)."""
    return session.exec(
        _OPEN_CASE, params={"customer_id": customer_id, "workflow_key": workflow_key}
    ).first()


def fired_workflows(
    occurrence: workflows.Occurrence,
    record: Mapping[str, Any],
    published: Sequence[specs.LoadedSpec[workflows.Workflow]],
) -> list[specs.LoadedSpec[workflows.Workflow]]:
    """The `published` workflows `occurrence` fires for the customer whose record is `record`."""
    return [w for w in published if workflows.fires(w.value, occurrence, record)]


def occurrence_reason(occurrence: workflows.Occurrence) -> dict[str, Any]:
    """Why a case `occurrence` fires opens (its context's `reasons`)."""
    return dict(occurrence.reason) or {"trigger": str(occurrence.kind)}


def opening_context(reason: Mapping[str, Any], *, assessment_id: int | None) -> dict[str, Any]:
    """The context of a case an occurrence opens for `reason`, on the customer's latest
    assessment `assessment_id` (None: looked up by engine.casework)."""
    return {
        "reasons": [dict(reason)],
        **({"opened_with": {"assessment_id": assessment_id}} if assessment_id else {}),
    }


def start_workflows(
    session: Session,
    occurrence: workflows.Occurrence,
    *,
    customer: Customer,
    record: Mapping[str, Any],
    actor: str | None,
    now: datetime,
    published: Sequence[specs.LoadedSpec[workflows.Workflow]] | None = None,
    is_new: bool = False,
    assessment_id: int | None = None,
    tz: tzinfo = UTC,
) -> Started:
    """Open a case of every published workflow `occurrence` fires for `customer` (whose guard
    record is `record`), or add its reason to the open one (`dedupe: add_reason`).

    `published` defaults to the published workflows; `is_new`: the customer was created in this
    transaction and has no case yet (none is looked for); `assessment_id`: the customer's latest
    assessment, which the case opens on (looked up when not given); `tz`: the workspace time
    zone.
    """
    assert customer.id is not None
    started = Started()
    candidates = specs.published_workflows(session) if published is None else published
    reason = occurrence_reason(occurrence)
    for workflow in fired_workflows(occurrence, record, candidates):
        existing = None if is_new else open_case_of(session, customer.id, workflow.key)
        if existing is not None:
            if workflow.value.dedupe is workflows.Dedupe.ADD_REASON:
                assert existing.id is not None
                locked = casework.lock_case(session, existing.id)
                assert locked is not None
                case_events.advance_case(
                    session,
                    locked,
                    workflows.AddReason(reason=reason),
                    audit_action="case.reason_added",
                    actor=actor,
                    now=now,
                    tz=tz,
                    rescore=False,
                )
                reasons = [*existing.context.get("reasons", []), reason]
                update_versioned(
                    session, existing, context={**existing.context, "reasons": reasons}
                )
                started.reasons_added.append(existing.id)
            continue
        applied = casework.open_case(
            session,
            workflow=workflow,
            customer=customer,
            record={**record, **occurrence.facts},
            actor=actor,
            now=now,
            tz=tz,
            context=opening_context(reason, assessment_id=assessment_id),
        )
        assert applied.case.id is not None
        started.opened.append(applied.case.id)
        started.terms_changed = started.terms_changed or applied.terms_changed
    return started
