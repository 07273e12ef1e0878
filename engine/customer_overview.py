"""Everything the customer page shows of one customer (docs/customers.md): its data by section
with labels, the current assessment explained in words (fields named by their labels), the
score and tier history, its credit terms with their change history, its events, alerts, cases and
orders, and the manual workflows the caller may start. One call, read only, within the caller's
scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

import dsl
from engine.access import Access
from engine.alerts import AlertListItem, list_alerts
from engine.case_page_views import TermsChangeEntry
from engine.case_views import customer_cases
from engine.credit_decisions import CustomerOrders, customer_orders
from engine.customer_fields import FieldShown, shown_fields
from engine.customer_records import CustomerEvents, customer_events, terms_history
from engine.customers import Viewer, get_customer
from engine.explanations import label_names, list_assessments
from engine.manual_cases import StartableWorkflow, startable_workflows
from engine.models import Assessment
from engine.scoping import Scope
from engine.views import AssessmentSummary, CaseSummary, CustomerView, number

HISTORY_SIZE = 20  # assessments listed per page
CHART_POINTS = 60  # assessments the score chart draws, the newest
EVENTS_SIZE = 10
ALERTS_SIZE = 20
TERMS_SIZE = 10


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One assessment on the score chart."""

    as_of: Any  # date
    score: int | float
    tier: str


@dataclass(frozen=True, slots=True)
class CustomerOverview:
    customer: CustomerView
    fields: tuple[FieldShown, ...]  # by section (FieldShown.section), labelled
    explanation: tuple[dict[str, Any], ...]  # the latest assessment's lines, fields by label
    change: dict[str, Any] | None  # what the latest assessment changed, in the language
    history: tuple[AssessmentSummary, ...]
    history_next_cursor: str | None
    scores: tuple[ScorePoint, ...]  # oldest first
    tiers: tuple[str, ...]  # the ruleset's tiers, in its order (the chart's bands)
    terms_changes: tuple[TermsChangeEntry, ...]
    terms_next_cursor: str | None
    events: CustomerEvents
    alerts: tuple[AlertListItem, ...]  # open and acknowledged first, then resolved; newest first
    cases: tuple[CaseSummary, ...]  # open first, then newest
    orders: CustomerOrders
    startable: tuple[StartableWorkflow, ...]
    can_edit: bool

    @property
    def sections(self) -> tuple[tuple[str | None, tuple[FieldShown, ...]], ...]:
        """`fields` grouped by their section's title, in order (None: fields in no section)."""
        return tuple(
            (title, tuple(items)) for title, items in groupby(self.fields, lambda f: f.section)
        )


def customer_overview(
    session: Session,
    ref: str,
    *,
    viewer: Viewer,
    access: Access,
    scope: Scope,
    language: str,
    tiers: tuple[str, ...] = (),
    history_cursor: str | None = None,
    terms_cursor: str | None = None,
    event_kind: str | None = None,
    events_cursor: str | None = None,
) -> CustomerOverview:
    """Customer `ref` as its page shows it to `viewer` (sensitive values masked unless they may
    see them) in `language`. Raises NotFoundError (no such customer in `scope`),
    InvalidRequestError (a foreign cursor)."""
    customer = get_customer(session, ref, viewer=viewer, scope=scope)
    history = list_assessments(
        session, ref, cursor=history_cursor, limit=HISTORY_SIZE, scope=scope
    )
    terms = terms_history(
        session, ref, language=language, cursor=terms_cursor, limit=TERMS_SIZE, scope=scope
    )
    assessment = customer.assessment
    return CustomerOverview(
        customer=customer,
        fields=shown_fields(session, customer, language=language),
        explanation=_explanation(session, assessment.result, language) if assessment else (),
        change=(assessment.change or {}).get(language) if assessment else None,
        history=history.items,
        history_next_cursor=history.next_cursor,
        scores=_scores(session, customer.id),
        tiers=tiers,
        terms_changes=terms.items,
        terms_next_cursor=terms.next_cursor,
        events=customer_events(
            session, ref, language=language, kind=event_kind, cursor=events_cursor,
            limit=EVENTS_SIZE, scope=scope,
        ),
        alerts=_alerts(session, ref, scope),
        cases=customer_cases(session, ref, scope=scope),
        orders=customer_orders(session, ref, scope=scope),
        startable=startable_workflows(session, ref, access=access, scope=scope),
        can_edit=access.can("customers:write", customer.department),
    )  # fmt: skip


def _explanation(
    session: Session, result: dict[str, Any], language: str
) -> tuple[dict[str, Any], ...]:
    """The lines of `result` in `language`, fields named by the customer form's labels."""
    names = label_names(session, language)
    return tuple(dsl.explain(result, language=language, names=names).to_dict())


def _scores(session: Session, customer_id: int) -> tuple[ScorePoint, ...]:
    rows = session.execute(
        sa.select(col(Assessment.as_of), col(Assessment.score), col(Assessment.tier))
        .where(col(Assessment.customer_id) == customer_id)
        .order_by(col(Assessment.id).desc())
        .limit(CHART_POINTS)
    ).all()
    return tuple(
        ScorePoint(as_of=as_of, score=number(score) or 0, tier=tier)
        for as_of, score, tier in reversed(rows)
    )


def _alerts(session: Session, ref: str, scope: Scope) -> tuple[AlertListItem, ...]:
    found = list_alerts(session, status=None, customer_ref=ref, limit=ALERTS_SIZE, scope=scope)
    active = [a for a in found.items if a.status != "resolved"]
    return (*active, *(a for a in found.items if a.status == "resolved"))


__all__ = ["CustomerOverview", "ScorePoint", "customer_overview"]
