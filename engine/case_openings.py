"""Opening the first cases of many customers created in one transaction at once (a bulk import's
chunk): what `engine.evaluation.act_on_assessment` would open for each, planned without writing
(`plan_first_cases`), then written with one multi-row INSERT per table (`open_cases`).

The rows are `engine.casework`'s own (`plan_opening`, `history_rows`, `timer_rows`,
`CaseOpening.audit_detail`), written in the order the single path writes them, so a batch leaves
exactly the cases, history, timers, audit rows and notifications that opening them one by one
leaves. A customer whose first cases do more than open (a workflow fired twice, an effect that
changes their terms or data or starts a workflow, a case its `cancel_when` closes at once) is
left to the single path (`plan_first_cases` gives None).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlmodel import Session, col, select

import workflows as workflows_
from engine import casework, specs, triggers
from engine.audit_batch import AuditInput, record_many
from engine.bulk_insert import insert_rows, insert_rows_returning_ids
from engine.case_env import workflow_env
from engine.evaluation import NewAssessment, first_occurrences
from engine.models import Case, CaseTransition, Customer, Timer

# the effects a batch carries out after writing its cases: they change no customer
_BATCHED_EFFECTS = (workflows_.SendNotification,)


@dataclass(frozen=True, slots=True)
class OpenedCase:
    """A case `open_cases` opened, and whether its effects changed its customer's record."""

    id: int
    record_changed: bool


def plan_first_cases(
    session: Session,
    customer: Customer,
    assessment: NewAssessment,
    record: Mapping[str, Any],
    *,
    published: Sequence[specs.LoadedSpec[workflows_.Workflow]],
    now: datetime,
    tz: tzinfo,
) -> list[casework.CaseOpening] | None:
    """The cases `act_on_assessment` opens for `customer`, created in this transaction, on its
    first `assessment` (stored, every alert of it raised; `record` as
    engine.evaluation.customer_record reads it), in the order it opens them; None when opening
    them does more than `open_cases` writes (see the module's docstring)."""
    assert customer.id is not None
    guards, occurrences = first_occurrences(record, assessment)
    openings: list[casework.CaseOpening] = []
    for occurrence in occurrences:
        reason = triggers.occurrence_reason(occurrence)
        for workflow in triggers.fired_workflows(occurrence, guards, published):
            if any(o.workflow.key == workflow.key for o in openings):
                return None  # it meets the case it opened a moment ago (its dedupe)
            opening = casework.plan_opening(
                session,
                workflow=workflow,
                customer=customer,
                record={**guards, **occurrence.facts},
                now=now,
                tz=tz,
                context=triggers.opening_context(reason, assessment_id=assessment.id),
            )
            if not all(isinstance(e, _BATCHED_EFFECTS) for e in opening.transition.effects):
                return None
            openings.append(opening)
    if any(_superseded_at_once(session, o, guards, now=now, tz=tz) for o in openings):
        return None
    return openings


def _superseded_at_once(
    session: Session,
    opening: casework.CaseOpening,
    record: Mapping[str, Any],
    *,
    now: datetime,
    tz: tzinfo,
) -> bool:
    """Whether engine.case_events.supersede_cases, run once the customer's cases are open,
    would close this one (its workflow's `cancel_when` holds for the guard `record`)."""
    workflow = opening.workflow.value
    if workflow.cancel_when is None:
        return False
    transition = workflows_.advance(
        workflow,
        workflows_.CaseState.from_dict(opening.values["state"]),
        workflows_.RecordChanged(),
        record=record,
        now=now,
        env=workflow_env(session, workflow, opening.customer, tz=tz),
    )
    return not transition.is_noop


def open_cases(
    session: Session,
    openings: Sequence[casework.CaseOpening],
    *,
    actor: str | None,
    now: datetime,
) -> list[OpenedCase]:
    """Write `openings` (each as `casework.open_case` writes it, in order: the cases, their
    `case.opened` audit rows, history and timers), then carry out their effects, each case's
    in turn; returns the cases opened, in order. Only effects that change no customer are
    expected (`plan_first_cases` plans no other)."""
    if not openings:
        return []
    ids = insert_rows_returning_ids(
        session,
        Case,
        [opening.values for opening in openings],
        key=("customer_id", "workflow_key"),  # a workflow opens once per customer here
    )
    record_many(
        session,
        [
            AuditInput(
                actor=actor,
                action="case.opened",
                entity_kind="case",
                entity_id=case_id,
                detail=opening.audit_detail(),
                department=opening.customer.department if opening.customer else None,
                customer_ref=opening.customer.external_ref if opening.customer else None,
            )
            for opening, case_id in zip(openings, ids, strict=True)
        ],
        now=now,
    )
    history = [
        row
        for opening, case_id in zip(openings, ids, strict=True)
        for row in casework.history_rows(case_id, opening.transition, actor=actor, data=None)
    ]
    insert_rows(session, CaseTransition, history)
    timers = [
        row
        for opening, case_id in zip(openings, ids, strict=True)
        for row in casework.timer_rows(case_id, opening.transition, now=now)
    ]
    insert_rows(session, Timer, timers)
    return _carry_out_effects(session, openings, ids, actor=actor, now=now)


def _carry_out_effects(
    session: Session,
    openings: Sequence[casework.CaseOpening],
    ids: Sequence[int],
    *,
    actor: str | None,
    now: datetime,
) -> list[OpenedCase]:
    """Each opened case's effects, in order (the cases read in one query, for those that have
    any)."""
    with_effects = [i for i, o in zip(ids, openings, strict=True) if o.transition.effects]
    cases: dict[int, Case] = {}
    if with_effects:
        found = session.exec(select(Case).where(col(Case.id).in_(with_effects)))
        cases = {case.id: case for case in found if case.id is not None}
    opened: list[OpenedCase] = []
    for opening, case_id in zip(openings, ids, strict=True):
        changed = False
        if opening.transition.effects:
            changed = casework.apply_effects(
                session, cases[case_id], opening.customer, opening.transition, actor=actor, now=now
            )
        opened.append(OpenedCase(id=case_id, record_changed=changed))
    return opened
