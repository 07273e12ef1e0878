"""The read side of cases for people: the case page an approver decides from, the inbox's tabs,
and a customer's cases.

`case_page` gathers, in one language, the case with the customer's tier, score and reasons when
the case opened and now, what triggered it, what each action the caller may take asks and would
do, the approval's progress, the full history and the terms changes made. Read only; department
scope and permissions as engine.cases.get_case.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

import dsl
import workflows
from engine import casework, specs
from engine.access import Access
from engine.case_actors import case_department
from engine.case_decisions import (
    action_panels,
    approval_progress,
    data_rows,
    form_labels,
    terms_of_fields,
)
from engine.case_history import history, terms_changes, trigger_reasons
from engine.case_page_views import (
    AssessmentChange,
    AssessmentSnapshot,
    CasePage,
    CustomerCard,
    Names,
    ReasonLine,
)
from engine.cases import case_summaries, get_case
from engine.customers import find_customer
from engine.evaluation import assessment_record
from engine.explanations import PreviousAssessment, change_record, label_names
from engine.models import Assessment, Case, Customer
from engine.pagination import clamp_limit
from engine.scoping import Scope
from engine.terms import terms_record, terms_view
from engine.users import role_holders
from engine.views import CaseSummary, number

# explanation lines an approver reads as reasons (lets, missing data and rates are told apart)
_REASON_KINDS = frozenset({"rule", "table", "tier", "floor"})


def _snapshot(row: Assessment, *, names: Mapping[str, str], language: str) -> AssessmentSnapshot:
    lines = dsl.explain(row.result, language=language, names=names).to_dict()
    return AssessmentSnapshot(
        id=row.id or 0,
        as_of=row.as_of,
        created_at=row.created_at,
        score=number(row.score) or 0,
        tier=row.tier,
        ruleset_key=row.ruleset_key,
        ruleset_version=row.ruleset_version,
        reasons=tuple(
            ReasonLine(kind=line["kind"], id=line["id"], points=line["points"], text=line["text"])
            for line in lines
            if line["kind"] in _REASON_KINDS
        ),
        missing=tuple(names.get(name, name) for name in row.result.get("missing") or ()),
        alerts=tuple(
            {"rule": a.get("rule"), "severity": a.get("severity"), "message": a.get("message")}
            for a in row.result.get("alerts") or ()
        ),
    )


def _opening_assessment(session: Session, case: Case, customer: Customer) -> Assessment | None:
    """The assessment the case opened on: the one its context names, else the customer's latest
    stored at or before the case opened."""
    opened_with = case.context.get("opened_with") or {}
    wanted = opened_with.get("assessment_id") if isinstance(opened_with, dict) else None
    if isinstance(wanted, int) and not isinstance(wanted, bool):
        row = session.get(Assessment, wanted)
        if row is not None and row.customer_id == customer.id:
            return row
    return session.exec(
        select(Assessment)
        .where(Assessment.customer_id == customer.id, col(Assessment.created_at) <= case.opened_at)
        .order_by(col(Assessment.id).desc())
        .limit(1)
    ).first()


def _latest_assessment(session: Session, customer: Customer) -> Assessment | None:
    return session.exec(
        select(Assessment)
        .where(Assessment.customer_id == customer.id)
        .order_by(col(Assessment.id).desc())
        .limit(1)
    ).first()


def _change(
    opened: Assessment, current: Assessment, *, names: Mapping[str, str], language: str
) -> AssessmentChange:
    previous = PreviousAssessment(
        id=opened.id or 0,
        ruleset_key=opened.ruleset_key,
        ruleset_version=opened.ruleset_version,
        as_of=opened.as_of,
        result=opened.result,
    )
    said = change_record(
        previous=previous,
        result=current.result,
        ruleset_version=current.ruleset_version,
        names={language: names},
    )[language]
    return AssessmentChange(
        from_score=said["from_score"],
        to_score=said["to_score"],
        from_tier=said["from_tier"],
        to_tier=said["to_tier"],
        summary=said["summary"],
        items=tuple(said["items"]),
    )


def _customer_card(customer: Customer) -> CustomerCard:
    return CustomerCard(
        ref=customer.external_ref,
        name=customer.name,
        department=customer.department,
        owner=customer.owner,
        score=number(customer.score),
        tier=customer.tier,
        terms=terms_view(customer),
    )


def case_page(
    session: Session,
    case_id: int,
    *,
    access: Access,
    scope: Scope,
    now: datetime,
    language: str,
    actor: str | None = None,
) -> CasePage:
    """Everything the page of case `case_id` shows, in `language`, for the caller `actor`
    holding `access` (the actions and four-eyes bars are theirs).

    Raises NotFoundError (no such case, or one whose customer lies outside `scope`).
    """
    view = get_case(session, case_id, access=access, scope=scope, actor=actor, now=now)
    case = session.get(Case, case_id)
    assert case is not None  # get_case found it in this transaction
    workflow = specs.load_workflow(session, case.workflow_key, case.workflow_version).value
    state = casework.case_state(case)
    customer = session.get(Customer, case.customer_id) if case.customer_id is not None else None
    labels = form_labels(session, workflow, language)
    opened = current = None
    change = None
    terms: dict[str, Any] = {}
    record: dict[str, Any] = {}
    if customer is not None:
        names = label_names(session, language)
        opened_row = _opening_assessment(session, case, customer)
        current_row = _latest_assessment(session, customer)
        opened = _snapshot(opened_row, names=names, language=language) if opened_row else None
        current = _snapshot(current_row, names=names, language=language) if current_row else None
        if opened_row is not None and current_row is not None and opened_row.id != current_row.id:
            change = _change(opened_row, current_row, names=names, language=language)
        terms = terms_record(customer)
        record = assessment_record(session, customer)
    step = workflow.steps.get(state.step)
    return CasePage(
        case=view,
        language=language,
        customer=_customer_card(customer) if customer is not None else None,
        opened=opened,
        current=current,
        change=change,
        triggers=trigger_reasons(case),
        data=data_rows(
            state.data,
            current=terms,
            labels=labels,
            fields_terms=terms_of_fields(workflow),
            language=language,
        ),
        actions=action_panels(
            session,
            workflow,
            state,
            view.available_actions,
            actor=actor,
            record=record,
            terms=terms,
            language=language,
            on_behalf_of=view.acting_for,
        )
        if customer is not None or view.available_actions
        else (),
        approval=approval_progress(
            step,
            state,
            actor=actor,
            on_behalf_of=view.acting_for,
            eligible=role_holders(session, case.assigned_role, case_department(case, customer))
            if step.approval is not None and step.approval.quorum is workflows.Quorum.ALL
            else None,
        )
        if step is not None and state.is_open
        else None,
        history=history(session, case_id, labels=labels),
        terms_changes=terms_changes(session, case_id, language=language),
        names=names_of(workflow, state.step, language),
    )


def names_of(workflow: workflows.Workflow, step: str, language: str) -> Names:
    """The titles of `workflow`'s steps and actions in `language`; an action named at several
    steps takes its title at `step` (the current one)."""
    actions: dict[str, str] = {}
    current = workflow.steps.get(step)
    for each in (*((current,) if current is not None else ()), *workflow.steps.values()):
        for name, action in each.actions.items():
            actions.setdefault(name, action.title(language))
    return Names(
        steps={s: workflow.step_title(s, language) for s in workflow.steps}, actions=actions
    )


def customer_cases(
    session: Session, ref: str, *, scope: Scope, limit: int | None = None
) -> tuple[CaseSummary, ...]:
    """The cases of customer `ref` (when it lies in `scope`), open ones first, then newest
    first. Raises NotFoundError."""
    customer = find_customer(session, ref, scope=scope)
    rows = session.exec(
        select(Case)
        .where(Case.customer_id == customer.id)
        .order_by(col(Case.status).desc(), col(Case.id).desc())
        .limit(clamp_limit(limit))
    ).all()
    return case_summaries(session, rows)
