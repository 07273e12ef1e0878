"""The REST API's shapes: request bodies (`CustomerUpsert`, ...), responses (`CustomerPublic`, ...).

Responses are built from the engine's views (`engine.views`), never from table rows. Numbers stay
JSON numbers; times are ISO 8601 text in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.comments import MAX_COMMENT_LENGTH
from engine.types import MAX_ROW_ID
from engine.views import (
    AssessmentSummary,
    AssessmentView,
    CaseSummary,
    CaseView,
    CustomerSummary,
    CustomerView,
    EventView,
)

Number = int | float


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- requests ----------------------------------------------------------------------------------


class TermsInput(_Input):
    """Initial credit terms; accepted only when the customer is created."""

    # Plain `float` (not int | float) so a wrong value reports one error at one path.
    credit_limit: float | None = Field(default=None, examples=[1_000_000])
    payment_terms_days: int | None = Field(default=None, examples=[60])
    prepayment_pct: float | None = Field(default=None, description="a fraction: 0.3 is 30%")
    order_hold: bool | None = None
    next_review_at: date | None = None
    currency: str | None = Field(default=None, description="only the base currency is accepted")


DataSource = Literal["api", "connector", "import"]
_SOURCE_DESCRIPTION = (
    "where the data comes from, kept per field that changes (docs/api.md, freshness)"
)
_EXPECTED_VERSION = Field(
    default=None,
    ge=0,
    le=MAX_ROW_ID,
    description="the customer's `row_version` as you read it; 409 when it moved on",
)


class CustomerUpsert(_Input):
    """A customer's whole record: name, department, owner and form data (validated by the
    `customer` form). A department or owner left out is kept; `null` empties it."""

    name: str | None = Field(default=None, max_length=300)
    department: str | None = Field(default=None, max_length=100)
    owner: str | None = Field(default=None, max_length=100)
    data: dict[str, Any] = Field(default_factory=dict)
    terms: TermsInput | None = None
    source: DataSource = Field(default="api", description=_SOURCE_DESCRIPTION)
    expected_version: int | None = _EXPECTED_VERSION


class CustomerPatch(_Input):
    """The fields of a customer to change: `data` is merged into the stored data (`null` removes
    a field), then the whole record is validated; name, department and owner change when sent."""

    name: str | None = Field(default=None, max_length=300)
    department: str | None = Field(default=None, max_length=100)
    owner: str | None = Field(default=None, max_length=100)
    data: dict[str, Any] = Field(default_factory=dict)
    source: DataSource = Field(default="api", description=_SOURCE_DESCRIPTION)
    expected_version: int | None = _EXPECTED_VERSION


class EventCreate(_Input):
    """Something that happened to a customer; `kind` names the event form that checks `payload`."""

    kind: str = Field(min_length=1, max_length=100, examples=["overdue_invoice"])
    occurred_at: str = Field(
        description="ISO 8601 time or date; without an offset it is read in the workspace zone",
        examples=["2026-11-20T10:00:00+08:00"],
    )
    payload: dict[str, Any] = Field(default_factory=dict)
    source: str | None = Field(default=None, max_length=100)


class CaseActionRequest(_Input):
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_LENGTH)
    data: dict[str, Any] | None = None
    expected_version: int | None = Field(
        default=None,
        ge=0,
        le=MAX_ROW_ID,
        description="the case's `row_version` as you read it; 409 when it moved on",
    )


class CaseStartRequest(_Input):
    workflow: str = Field(max_length=200, description="the key of a published `manual` workflow")
    comment: str | None = Field(
        default=None, max_length=4000, description="why the case is started (kept as its reason)"
    )


class SweepRequest(_Input):
    now: str | None = Field(
        default=None,
        description="the time to sweep at (ISO 8601; naive is read in the workspace zone)",
        examples=["2026-12-01T09:00"],
    )


# --- responses ---------------------------------------------------------------------------------


class TermsPublic(_Output):
    credit_limit: Number
    currency: str
    payment_terms_days: int
    prepayment_pct: Number
    order_hold: bool
    next_review_at: date | None


class FiredPublic(BaseModel):
    id: str
    label: str | None = None
    points: Number


class AlertPublic(BaseModel):
    severity: str
    message: str
    rule: str | None = None


class ExplanationLinePublic(BaseModel):
    """One reason of an assessment (see docs/rules-language.md, "Explanations")."""

    kind: str = Field(description="rule, table, let, missing, missing_rate, tier or floor")
    id: str | None
    points: Number | None
    text: str = Field(examples=["+30 Overdue more than 90 days (max_overdue_days = 120)"])


class ChangeItemPublic(BaseModel):
    kind: str = Field(description="started, stopped, points, row, floor or floor_removed")
    id: str
    points: Number | None = Field(description="what it added to the score difference")
    text: str
    from_row: int | None = None
    to_row: int | None = None


class InputMovePublic(BaseModel):
    """An input of a rule that fired both times and reads another value now."""

    rule: str
    name: str
    from_: Any = Field(alias="from", serialization_alias="from")
    to: Any
    text: str = Field(examples=["max_overdue_days 120 → 150"])

    model_config = ConfigDict(populate_by_name=True)


class ChangePublic(BaseModel):
    """What changed since the previous assessment: rules that started or stopped firing, their
    points, the inputs that moved (assessments stored before this was recorded on every
    assessment have it only when the tier changed)."""

    from_tier: str | None
    to_tier: str
    from_score: Number | None
    to_score: Number
    since: date | None = Field(description="the previous assessment's as_of")
    items: list[ChangeItemPublic]
    inputs: list[InputMovePublic] = Field(
        default_factory=list, description="inputs of rules firing both times that moved"
    )
    summary: str = Field(
        examples=["low → high since 2026-05-01: +20 Three or more lawsuits in 12 months (...)"]
    )

    @classmethod
    def pick(cls, changes: dict[str, dict[str, Any]] | None, language: str) -> ChangePublic | None:
        if not changes:
            return None
        change = changes.get(language) or changes.get("en") or next(iter(changes.values()))
        return cls.model_validate(change)


class AssessmentPublic(BaseModel):
    score: Number
    tier: str
    previous_tier: str | None
    as_of: date
    ruleset_key: str
    ruleset_version: int
    fired: list[FiredPublic]
    alerts: list[AlertPublic]
    flags: list[str]
    missing: list[str]
    assessed_at: datetime
    explanation: list[ExplanationLinePublic]
    change: ChangePublic | None

    @classmethod
    def of(cls, view: AssessmentView, language: str = "en") -> AssessmentPublic:
        result = view.result
        lines = view.explanation.get(language) or view.explanation.get("en") or ()
        return cls(
            score=view.score,
            tier=view.tier,
            previous_tier=view.previous_tier,
            as_of=view.as_of,
            ruleset_key=view.ruleset_key,
            ruleset_version=view.ruleset_version,
            fired=[FiredPublic(**f) for f in result.get("fired", ())],
            alerts=[AlertPublic(**a) for a in result.get("alerts", ())],
            flags=list(result.get("flags", ())),
            missing=list(result.get("missing", ())),
            assessed_at=view.created_at,
            explanation=[ExplanationLinePublic(**line) for line in lines],
            change=ChangePublic.pick(view.change, language),
        )


class AssessmentSummaryPublic(BaseModel):
    """One assessment in a customer's history."""

    id: int
    as_of: date
    score: Number
    tier: str
    previous_tier: str | None
    ruleset_key: str
    ruleset_version: int
    assessed_at: datetime
    change_summary: str | None = Field(
        description="what changed since the previous assessment (older assessments: only "
        "when the tier changed)"
    )

    @classmethod
    def of(cls, view: AssessmentSummary, language: str = "en") -> AssessmentSummaryPublic:
        summaries = view.change_summary
        return cls(
            id=view.id,
            as_of=view.as_of,
            score=view.score,
            tier=view.tier,
            previous_tier=view.previous_tier,
            ruleset_key=view.ruleset_key,
            ruleset_version=view.ruleset_version,
            assessed_at=view.created_at,
            change_summary=(
                (summaries.get(language) or summaries.get("en")) if summaries else None
            ),
        )


class AssessmentPage(BaseModel):
    items: list[AssessmentSummaryPublic]
    next_cursor: str | None


class CaseSummaryPublic(BaseModel):
    id: int
    customer_ref: str | None = Field(description="None: a case about no customer (ruleset_change)")
    customer_name: str | None
    department: str | None
    workflow: str
    workflow_version: int
    workflow_label: dict[str, str]
    status: str
    step: str
    assigned_role: str | None
    due_at: datetime | None
    escalation_level: int
    outcome: str | None
    opened_at: datetime
    closed_at: datetime | None
    row_version: int
    step_label: dict[str, str] = Field(
        default_factory=dict, description="the step's title by language (en, zh)"
    )

    @classmethod
    def of(cls, view: CaseSummary | CaseView) -> CaseSummaryPublic:
        return cls(**_case_fields(view))


def _case_fields(view: CaseSummary | CaseView) -> dict[str, Any]:
    return {
        "id": view.id,
        "customer_ref": view.customer_ref,
        "customer_name": view.customer_name,
        "department": view.department,
        "workflow": view.workflow_key,
        "workflow_version": view.workflow_version,
        "workflow_label": view.workflow_label,
        "status": view.status,
        "step": view.step,
        "assigned_role": view.assigned_role,
        "due_at": view.due_at,
        "escalation_level": view.escalation_level,
        "outcome": view.outcome,
        "opened_at": view.opened_at,
        "closed_at": view.closed_at,
        "row_version": view.row_version,
        "step_label": view.step_label,
    }


class CaseTransitionPublic(_Output):
    from_step: str | None
    to_step: str
    action: str | None
    reason: str | None
    assigned_role: str | None
    actor: str | None
    comment: str | None
    data: dict[str, Any]
    at: datetime
    on_behalf_of: str | None = Field(
        default=None, description="the user the actor stood in for, as their delegate"
    )


class CasePublic(CaseSummaryPublic):
    history: list[CaseTransitionPublic]
    available_actions: list[str] = Field(
        description="the actions you may take now (four eyes and votes cast applied)"
    )
    acting_for: str | None = Field(
        default=None,
        description="whom you would act for, as their delegate, when the actions are theirs",
    )
    spec_change: dict[str, Any] | None = Field(
        default=None,
        description="a ruleset_change case: kind, key, version, checksum, author, requested_by, "
        "comment, effective_at and simulation_id of the change it asks to publish",
    )

    @classmethod
    def of(cls, view: CaseSummary | CaseView) -> CasePublic:
        assert isinstance(view, CaseView)
        return cls(
            **_case_fields(view),
            history=[CaseTransitionPublic.model_validate(t) for t in view.history],
            available_actions=list(view.available_actions),
            acting_for=view.acting_for,
            spec_change=view.spec_change,
        )


class CustomerAlertPublic(_Output):
    id: int
    rule: str
    severity: str
    message: str
    created_at: datetime


class FieldFreshnessPublic(_Output):
    updated_at: datetime
    source: str


class CustomerPublic(BaseModel):
    ref: str
    name: str
    department: str | None
    owner: str | None
    data: dict[str, Any]
    freshness: dict[str, FieldFreshnessPublic] = Field(
        description="per field of `data` whose last change is known: when and from which source"
    )
    assessment: AssessmentPublic | None
    terms: TermsPublic
    open_alerts: list[CustomerAlertPublic]
    open_cases: list[CaseSummaryPublic]
    row_version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: CustomerView, language: str = "en") -> CustomerPublic:
        assessment = view.assessment
        return cls(
            ref=view.ref,
            name=view.name,
            department=view.department,
            owner=view.owner,
            data=view.data,
            freshness={
                name: FieldFreshnessPublic.model_validate(stamp)
                for name, stamp in view.freshness.items()
            },
            assessment=AssessmentPublic.of(assessment, language) if assessment else None,
            terms=TermsPublic.model_validate(view.terms),
            open_alerts=[CustomerAlertPublic.model_validate(a) for a in view.open_alerts],
            open_cases=[CaseSummaryPublic.of(c) for c in view.open_cases],
            row_version=view.row_version,
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


class CustomerSummaryPublic(BaseModel):
    ref: str
    name: str
    department: str | None
    score: Number | None
    tier: str | None
    assessed_at: datetime | None
    credit_limit: Number
    currency: str
    order_hold: bool
    owner: str | None = None
    updated_at: datetime | None = None

    @classmethod
    def of(cls, view: CustomerSummary) -> CustomerSummaryPublic:
        return cls(
            ref=view.ref,
            name=view.name,
            department=view.department,
            score=view.score,
            tier=view.tier,
            assessed_at=view.assessed_at,
            credit_limit=view.credit_limit,
            currency=view.currency,
            order_hold=view.order_hold,
            owner=view.owner,
            updated_at=view.updated_at,
        )


class CustomerPage(BaseModel):
    items: list[CustomerSummaryPublic]
    next_cursor: str | None
    previous_cursor: str | None = None
    total: int | None = None


class CustomerViewCreate(_Input):
    """A saved customer view: its name and the list's parameters (those of
    `GET /api/v1/customers`: search, tier, department, owner, industry, flag, open_case, alert,
    sort, direction)."""

    name: str = Field(min_length=1, max_length=100)
    params: dict[str, Annotated[str, Field(max_length=200)]] = Field(
        default_factory=dict, max_length=20
    )


class CustomerViewPublic(BaseModel):
    id: int
    name: str
    params: dict[str, str]
    created_at: datetime


class CasePage(BaseModel):
    items: list[CaseSummaryPublic]
    next_cursor: str | None


class EventPublic(_Output):
    id: int
    customer_ref: str
    kind: str
    occurred_at: datetime
    payload: dict[str, Any]
    source: str | None
    idempotency_key: str | None
    created_at: datetime

    @classmethod
    def of(cls, view: EventView) -> EventPublic:
        return cls.model_validate(view)


class EventRecordedPublic(BaseModel):
    event: EventPublic
    customer: CustomerPublic
    cases_opened: list[int]


class SpecPublic(_Output):
    kind: str
    key: str
    version: int
    checksum: str
    filename: str | None


class TemplateImportedPublic(_Output):
    key: str
    version: int = Field(description="the template's version in this workspace (1, 2, ...)")
    template_version: str = Field(description="the version the bundle declares")
    specs: list[SpecPublic]


class SweepPublic(BaseModel):
    now: datetime
    claimed: int
    fired: int
    failed: int
    chunks: int = 0  # job chunks processed (rescoring, simulation)
    schedules: int = 0  # template schedules fired (engine.schedules)
    delivered: int = 0  # outbox messages delivered (engine.outbox)


class HealthPublic(BaseModel):
    status: str
    database: str


class ProblemDetail(BaseModel):
    """RFC 9457 problem details; `errors` lists data errors or template diagnostics."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None
