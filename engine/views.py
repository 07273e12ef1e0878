"""What engine services return: frozen views of plain values, never database rows.

Conventions, the same in every view:
- numbers are JSON numbers: money and scores as `int` while whole, else `float`; percentages are
  fractions (`0.3` is 30%);
- times are aware UTC `datetime`s and calendar dates are `date`s: the one thing web/ converts
  (to ISO 8601 text for the API, to the workspace time zone for pages);
- everything else is `str`, `bool`, `None`, or dicts/tuples of those, ready for `json.dumps`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from engine.freshness import FieldFreshness

T = TypeVar("T")


def number(value: Decimal | float | int | None) -> int | float | None:
    """A stored number as a JSON number: `int` while whole, else `float`; `None` stays `None`."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list; pass `next_cursor` back to get the next one (None: this was the last)."""

    items: tuple[T, ...]
    next_cursor: str | None


# --- definitions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpecRef:
    """One published version of a definition."""

    kind: str  # form, ruleset, workflow, template
    key: str
    version: int
    checksum: str
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class SpecSummary:
    """One version of a definition as listed (its source stays in the database)."""

    kind: str
    key: str
    version: int
    status: str  # draft, published, retired
    label: dict[str, str]  # language → text
    filename: str | None
    checksum: str
    template_key: str | None
    template_version: str | None
    author: str | None
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class TemplateImported:
    key: str
    version: int  # the template's spec version in this workspace (1, 2, ...)
    template_version: str  # the version the bundle declares ("1.2.0")
    specs: tuple[SpecRef, ...]  # every definition published by the import, the template last


# --- customers ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TermsView:
    credit_limit: int | float
    currency: str
    payment_terms_days: int
    prepayment_pct: int | float
    order_hold: bool
    next_review_at: date | None


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    rule: str
    severity: str
    message: str
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AssessmentView:
    id: int
    ruleset_key: str
    ruleset_version: int
    as_of: date
    score: int | float
    tier: str
    previous_tier: str | None
    result: dict[str, Any]  # dsl Result.to_dict(): score, tier, fired, alerts, flags, values, ...
    created_at: datetime
    # language → explanation lines ({kind, id, points, text}), see dsl.explain
    explanation: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    # language → dsl Change.to_dict(); None unless this assessment changed the tier
    change: dict[str, dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class AssessmentSummary:
    """One assessment in a customer's history."""

    id: int
    as_of: date
    score: int | float
    tier: str
    previous_tier: str | None
    ruleset_key: str
    ruleset_version: int
    created_at: datetime
    change_summary: dict[str, str] | None  # language → text; None unless the tier changed


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    id: int
    ref: str
    name: str
    department: str | None
    score: int | float | None
    tier: str | None
    assessed_at: datetime | None
    credit_limit: int | float
    currency: str
    order_hold: bool
    owner: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CustomerList:
    """One page of a filtered, sorted customer list: `total` counts every customer the filters
    match (None: not counted); pass `next_cursor` or `previous_cursor` back for the page after or
    before (None: there is none)."""

    items: tuple[CustomerSummary, ...]
    next_cursor: str | None
    previous_cursor: str | None
    total: int | None


@dataclass(frozen=True, slots=True)
class CaseSummary:
    id: int
    workflow_key: str
    workflow_version: int
    workflow_label: dict[str, str]  # language → text
    customer_ref: str | None  # None: a case about no customer (a ruleset_change)
    customer_name: str | None
    department: str | None  # the customer's
    status: str  # open, closed
    step: str
    assigned_role: str | None
    due_at: datetime | None
    escalation_level: int
    outcome: str | None
    opened_at: datetime
    closed_at: datetime | None
    row_version: int
    step_label: dict[str, str] = field(default_factory=dict)  # language → the step's title
    # language → what the outcome is called (the action that recorded it); empty while open
    outcome_label: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CustomerView:
    id: int
    ref: str
    name: str
    department: str | None
    data: dict[str, Any]
    terms: TermsView
    score: int | float | None
    tier: str | None
    assessed_at: datetime | None
    assessment: AssessmentView | None  # the latest
    open_alerts: tuple[AlertView, ...]
    open_cases: tuple[CaseSummary, ...]
    form_key: str | None
    form_version: int | None
    row_version: int
    created_at: datetime
    updated_at: datetime
    owner: str | None = None
    # per field of `data` that has one: when its value last changed and from which source
    freshness: Mapping[str, FieldFreshness] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CustomerUpserted:
    customer: CustomerView
    created: bool
    cases_opened: tuple[int, ...] = ()  # ids of the cases this upsert started


# --- events ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventView:
    id: int
    customer_ref: str
    kind: str
    occurred_at: datetime
    payload: dict[str, Any]
    source: str | None
    idempotency_key: str | None
    created_by: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class EventRecorded:
    event: EventView
    created: bool  # False: an idempotent replay, nothing was written
    customer: CustomerView
    cases_opened: tuple[int, ...] = ()


# --- cases -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseTransitionView:
    id: int
    from_step: str | None
    to_step: str
    action: str | None  # the action taken; None for the start, a do step or an escalation
    reason: str | None  # start, action, do, escalation
    assigned_role: str | None  # to whom the case is assigned after this move
    actor: str | None  # "system" for an escalation
    comment: str | None
    data: dict[str, Any]
    at: datetime
    on_behalf_of: str | None = None  # the user the actor stood in for, as their delegate


@dataclass(frozen=True, slots=True)
class CaseView:
    id: int
    workflow_key: str
    workflow_version: int
    workflow_label: dict[str, str]
    customer_ref: str | None  # None: a case about no customer (a ruleset_change)
    customer_name: str | None
    department: str | None
    status: str
    step: str
    assigned_role: str | None
    due_at: datetime | None
    escalation_level: int
    outcome: str | None
    opened_at: datetime
    closed_at: datetime | None
    row_version: int  # pass back as `expected_version` with the next action
    history: tuple[CaseTransitionView, ...]
    available_actions: tuple[str, ...]  # for the roles the caller holds
    state: dict[str, Any] = field(default_factory=dict)  # workflows.CaseState.to_dict()
    # a ruleset_change case: what it asks to publish (engine.spec_changes, its context)
    spec_change: dict[str, Any] | None = None
    # the user whose delegate the caller acts as here (available_actions are for their roles)
    acting_for: str | None = None
    step_label: dict[str, str] = field(default_factory=dict)  # language → the step's title
    # language → what the outcome is called (the action that recorded it); empty while open
    outcome_label: dict[str, str] = field(default_factory=dict)


# --- timers ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SweepReport:
    """What one background sweep did: timers claimed, fired and failed, outbox messages
    delivered, the schedules fired and the job chunks processed (engine.background); `failed`
    counts the failures of all four."""

    claimed: int
    fired: int
    failed: int
    chunks: int = 0
    schedules: int = 0
    delivered: int = 0
    # the sweep stopped at its chunk budget: more chunks may be waiting (sweep again soon)
    more_chunks: bool = False
