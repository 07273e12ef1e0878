"""The database tables (SQLModel). Rows are never API responses: web/ maps them to its own shapes.

Table names avoid SQL reserved words (`users`, `cases`). Every datetime is aware UTC; money is an
exact decimal; definitions are referenced by (key, version), never copied into running rows.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from engine.columns import fk_column as _fk
from engine.columns import json_column as _json
from engine.columns import utc_column as _utc
from engine.types import FractionType, JsonType, MoneyType, RateType

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


class SpecStatus(StrEnum):
    DRAFT = "draft"
    # approved, waiting for its `effective_at` (engine.publishing)
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    RETIRED = "retired"


class SpecKind(StrEnum):
    TEMPLATE = "template"
    FORM = "form"
    RULESET = "ruleset"
    WORKFLOW = "workflow"
    CALENDAR = "calendar"  # a working calendar file of a template (engine.calendars)


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


# --- people and access -----------------------------------------------------------------------


class Department(SQLModel, table=True):
    __tablename__ = "departments"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    created_at: datetime = _utc()


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    display_name: str | None = Field(default=None, max_length=200)
    password_hash: str | None = Field(default=None, max_length=200)
    is_active: bool = True
    created_at: datetime = _utc()
    language: str | None = Field(default=None, max_length=8)  # "en" or "zh"; None: the browser's
    password_changed_at: datetime | None = _utc(nullable=True)


class RoleGrant(SQLModel, table=True):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "department"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("users.id")
    role: str = Field(max_length=100, index=True)
    department: str | None = Field(default=None, max_length=100)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("users.id")
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=128, unique=True)
    created_at: datetime = _utc()
    last_used_at: datetime | None = _utc(nullable=True)
    revoked_at: datetime | None = _utc(nullable=True)
    # the permissions the token is limited to (a subset of its owner's); None: all of them
    scopes: list[str] | None = Field(default=None, sa_type=JsonType, nullable=True)
    expires_at: datetime | None = _utc(nullable=True)


class UserSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random secret whose SHA-256 is `token_hash`."""

    __tablename__ = "user_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _fk("users.id")
    token_hash: str = Field(max_length=64, unique=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = _utc()
    last_seen_at: datetime = _utc()
    expires_at: datetime = _utc()  # the absolute timeout
    revoked_at: datetime | None = _utc(nullable=True)
    address: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)


class LoginFailure(SQLModel, table=True):
    """A failed sign-in, counted per account and per address for throttling (engine.logins)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_kind_key_at", "kind", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)  # "user" or "address"
    key: str = Field(max_length=200)
    at: datetime = _utc()


# --- definitions -----------------------------------------------------------------------------


class SpecVersion(SQLModel, table=True):
    """One version of a form, ruleset, workflow or template: its source is the truth."""

    __tablename__ = "spec_versions"
    __table_args__ = (
        UniqueConstraint("kind", "key", "version"),
        Index("ix_spec_versions_kind_key_status", "kind", "key", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    key: str = Field(max_length=200)
    version: int
    status: str = Field(default=SpecStatus.DRAFT, max_length=20)
    label: str | None = Field(default=None, max_length=300)
    filename: str | None = Field(default=None, max_length=300)
    source: str = Field(sa_column=Column(Text, nullable=False))
    checksum: str = Field(max_length=64)
    template_key: str | None = Field(default=None, max_length=200)
    template_version: str | None = Field(default=None, max_length=50)
    meta: dict[str, Any] = _json()
    author: str | None = Field(default=None, max_length=100)
    created_at: datetime = _utc()
    published_at: datetime | None = _utc(nullable=True)
    # who published it and why; a scheduled version publishes at `effective_at`
    published_by: str | None = Field(default=None, max_length=100)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    effective_at: datetime | None = _utc(nullable=True)


# --- customers and what happens to them ------------------------------------------------------


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    # the customer list's sorts, each with its id tie-break (engine.customer_list); migration 0013
    # also indexes the data's `industry` (an expression index, per backend); the tier sort reads
    # the tier's rank (0014), the tier filter `ix_customers_tier`; migration 0015 the search
    # (trigram indexes on PostgreSQL; on SQLite the FTS5 table `customer_search`, kept by
    # triggers on this table): objects outside these models, engine.db.is_modelled
    __table_args__ = (
        Index("ix_customers_name_id", "name", "id"),
        Index("ix_customers_score_id", "score", "id"),
        Index("ix_customers_tier_rank_id", "tier_rank", "id"),
        Index("ix_customers_updated_at_id", "updated_at", "id"),
        Index("ix_customers_owner", "owner"),
        # a department's customers; with their ids, PostgreSQL joins a scoped query's rows to
        # them from this index alone (migration 0016 added the id)
        Index("ix_customers_department", "department", "id"),
        # the dashboard's customers and exposure per tier, read from this index alone
        # (engine.dashboard, migration 0016)
        Index(
            "ix_customers_tier_exposure",
            "tier",
            "exposure_currency",
            "exposure_amount",
            "order_hold",
            "department",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_ref: str = Field(max_length=200, unique=True)
    name: str = Field(max_length=300)
    department: str | None = Field(default=None, max_length=100)
    owner: str | None = Field(default=None, max_length=100)
    data: dict[str, Any] = _json()
    # per field of `data`: when its value last changed and from which source (engine.freshness);
    # None for a customer stored before it was kept
    freshness: dict[str, Any] | None = _json(nullable=True)
    form_key: str | None = Field(default=None, max_length=200)
    form_version: int | None = None
    # the latest assessment, denormalised for lists and filters
    score: float | None = None
    tier: str | None = Field(default=None, max_length=50, index=True)
    # the tier's severity in the ruleset that gave it, riskier higher (engine.customer_query
    # .tier_rank): what the list sorts tiers by; None exactly when `tier` is
    tier_rank: int | None = None
    assessed_at: datetime | None = _utc(nullable=True)
    # the data's outstanding balance as written (engine.exposure.exposure_columns): its amount
    # and currency (None: the base currency); both None when missing or sensitive
    exposure_amount: Decimal | None = Field(default=None, sa_type=MoneyType, nullable=True)
    exposure_currency: str | None = Field(default=None, max_length=3)
    # credit terms: the engine's, changed only through workflows or an audited admin edit
    credit_limit: Decimal = Field(default=Decimal(0), sa_type=MoneyType)
    currency: str = Field(default="CNY", max_length=3)
    payment_terms_days: int = 30
    prepayment_pct: Decimal = Field(default=Decimal(0), sa_type=FractionType)
    order_hold: bool = False
    next_review_at: date | None = None
    row_version: int = 1
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class CustomerFlag(SQLModel, table=True):
    """One flag of a customer's latest assessment (engine.customer_flags keeps them): what the
    customer list's flag filter reads, one index range per flag."""

    __tablename__ = "customer_flags"

    flag: str = Field(max_length=200, primary_key=True)
    customer_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("customers.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,  # a writer replaces one customer's flags
        )
    )


class SavedCustomerView(SQLModel, table=True):
    """A user's named customer list: the list's request parameters (engine.saved_views)."""

    __tablename__ = "saved_customer_views"
    __table_args__ = (
        UniqueConstraint("user_name", "name", name="uq_saved_customer_views_user_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_name: str = Field(max_length=100)
    name: str = Field(max_length=100)
    params: dict[str, Any] = _json()
    created_at: datetime = _utc()


class UniqueValue(SQLModel, table=True):
    """A value of a customer form field marked `unique`, held by one customer
    (engine.unique_values): the UNIQUE constraint on (field, key) is what refuses a second holder,
    even when two writes race. `value_key` is the comparison key (forms.comparison_key), or for a
    sensitive field its keyed hash, never the clear value."""

    __tablename__ = "unique_values"
    __table_args__ = (
        UniqueConstraint("field_id", "value_key", name="uq_unique_values_field_id_value_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    field_id: str = Field(max_length=200)
    value_key: str = Field(max_length=300)
    customer_id: int = _fk("customers.id")


class Event(SQLModel, table=True):
    """Something that happened to a customer. Append-only."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_customer_kind_occurred", "customer_id", "kind", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id", index=False)
    kind: str = Field(max_length=100)
    occurred_at: datetime = _utc()
    payload: dict[str, Any] = _json()
    source: str | None = Field(default=None, max_length=100)
    idempotency_key: str | None = Field(default=None, max_length=200, unique=True)
    created_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = _utc()


# an assessment that moved its customer from one tier to another (ix_assessments_moves)
MOVES = "previous_tier IS NOT NULL AND previous_tier != tier"


class Assessment(SQLModel, table=True):
    """One evaluation of the published ruleset for one customer: score, tier and why."""

    __tablename__ = "assessments"
    # the dashboard's tier migration: the last 12 months' moves from this partial index alone
    # (engine.dashboard, migration 0016); it holds only the assessments that moved tier
    __table_args__ = (
        Index(
            "ix_assessments_moves",
            "as_of",
            "previous_tier",
            "tier",
            "customer_id",
            sqlite_where=text(MOVES),
            postgresql_where=text(MOVES),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id")
    ruleset_key: str = Field(max_length=200)
    ruleset_version: int
    as_of: date
    score: float
    tier: str = Field(max_length=50)
    previous_tier: str | None = Field(default=None, max_length=50)
    result: dict[str, Any] = _json()
    # set when the tier changed: what changed since the previous assessment (engine.explanations)
    change: dict[str, Any] | None = Field(default=None, sa_type=JsonType, nullable=True)
    created_at: datetime = _utc()


class AlertStatus(StrEnum):
    """An alert's lifecycle (engine.alerts): `open` while its rule fires, `acknowledged` once a
    person has seen it (it may still fire), `resolved` when its rule stops firing."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Alert(SQLModel, table=True):
    """One alert of one customer's rule, from the assessment its rule started firing in until
    the one it stopped in: kept up to date (not duplicated) while the rule fires, with its
    history in AlertEvent rows."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_status_severity", "status", "severity"),
        Index("ix_alerts_customer_status", "customer_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id")
    # the latest assessment it fired in
    assessment_id: int = _fk("assessments.id")
    rule: str = Field(max_length=200)
    severity: str = Field(max_length=20)
    message: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=AlertStatus.OPEN, max_length=20)
    created_at: datetime = _utc()
    updated_at: datetime | None = _utc(nullable=True)
    resolved_at: datetime | None = _utc(nullable=True)
    acknowledged_at: datetime | None = _utc(nullable=True)
    acknowledged_by: str | None = Field(default=None, max_length=100)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class AlertEventKind(StrEnum):
    OPENED = "opened"
    UPDATED = "updated"  # still firing, with another message or severity
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertEvent(SQLModel, table=True):
    """One step of an alert's history: what happened, when, by whom (None: the engine), and
    the message and severity from then on."""

    __tablename__ = "alert_events"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = _fk("alerts.id")
    kind: str = Field(max_length=20)
    at: datetime = _utc()
    actor: str | None = Field(default=None, max_length=100)
    assessment_id: int | None = _fk("assessments.id", nullable=True, index=False)
    severity: str | None = Field(default=None, max_length=20)
    message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


# --- workflows at run time -------------------------------------------------------------------


class Case(SQLModel, table=True):
    """A running workflow for one customer, on the exact workflow version it started with."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_role", "status", "assigned_role"),
        # the dashboard's open cases by step, read from this index alone (migration 0016)
        Index(
            "ix_cases_status_step",
            "status",
            "workflow_key",
            "step",
            "workflow_version",
            "due_at",
            "customer_id",
            "assigned_department",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workflow_key: str = Field(max_length=200)
    workflow_version: int
    # None for a case about no customer: a built-in `ruleset_change` approval (engine.publishing)
    customer_id: int | None = _fk("customers.id", nullable=True)
    status: str = Field(default=CaseStatus.OPEN, max_length=20)
    step: str = Field(max_length=200)
    assigned_role: str | None = Field(default=None, max_length=100)
    # set when the step is for one user (an owner or named-user assignee), else None
    assigned_user: str | None = Field(default=None, max_length=100, index=True)
    # the department whose holders of assigned_role act; None: the customer's
    assigned_department: str | None = Field(default=None, max_length=100)
    due_at: datetime | None = _utc(nullable=True)
    escalation_level: int = 0
    outcome: str | None = Field(default=None, max_length=100)
    state: dict[str, Any] = _json()
    context: dict[str, Any] = _json()
    opened_at: datetime = _utc()
    closed_at: datetime | None = _utc(nullable=True)
    row_version: int = 1


class CaseTransition(SQLModel, table=True):
    """One move of a case from a step to the next. Append-only."""

    __tablename__ = "case_transitions"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = _fk("cases.id")
    from_step: str | None = Field(default=None, max_length=200)
    to_step: str = Field(max_length=200)
    action: str | None = Field(default=None, max_length=200)
    # why the case moved: start, action, do (a do step ran), escalation (reassigned in place)
    reason: str | None = Field(default=None, max_length=20)
    # the role the case is assigned to after this move (None once closed), or the user
    assigned_role: str | None = Field(default=None, max_length=100)
    assigned_user: str | None = Field(default=None, max_length=100)
    actor: str | None = Field(default=None, max_length=100)
    # the user `actor` acted for, as their delegate (engine.delegations)
    on_behalf_of: str | None = Field(default=None, max_length=100)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    data: dict[str, Any] = _json()
    at: datetime = _utc()


class Timer(SQLModel, table=True):
    """A durable timer: claimed by one sweep, fired once, marked fired (DESIGN.md, timers)."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "fired_at", "cancelled_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=50)
    case_id: int | None = _fk("cases.id", nullable=True)
    payload: dict[str, Any] = _json()
    due_at: datetime = _utc()
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = _utc(nullable=True)
    fired_at: datetime | None = _utc(nullable=True)
    cancelled_at: datetime | None = _utc(nullable=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = _utc()


class TermsChange(SQLModel, table=True):
    """A change of a customer's credit terms, with the terms before and after."""

    __tablename__ = "terms_changes"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = _fk("customers.id")
    case_id: int | None = _fk("cases.id", nullable=True)
    actor: str | None = Field(default=None, max_length=100)
    before: dict[str, Any] = _json()
    after: dict[str, Any] = _json()
    at: datetime = _utc()
    # who approved it (the last approver of the case) and the ruleset version whose assessment
    # opened the case
    approver: str | None = Field(default=None, max_length=100)
    ruleset_key: str | None = Field(default=None, max_length=200)
    ruleset_version: int | None = None
    # a temporary change: restored at restore_at and/or once restore_when (a rules-language
    # guard) holds; restored_at once done; a restoration names the change it undoes
    restore_at: datetime | None = _utc(nullable=True, index=True)
    restore_when: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    restored_at: datetime | None = _utc(nullable=True)
    restores_id: int | None = _fk("terms_changes.id", nullable=True)


# --- exchange rates --------------------------------------------------------------------------


class FxRate(SQLModel, table=True):
    """How many units of the base currency one unit of `currency` is worth from `valid_from` on,
    until the next rate of that currency (engine.fx)."""

    __tablename__ = "fx_rates"
    __table_args__ = (UniqueConstraint("currency", "valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    currency: str = Field(max_length=3)
    rate_to_base: Decimal = Field(sa_type=RateType)
    valid_from: date
    source: str | None = Field(default=None, max_length=100)
    created_at: datetime = _utc()


# --- audit -----------------------------------------------------------------------------------


class AuditEntry(SQLModel, table=True):
    """Who did what, when. Append-only (database triggers refuse UPDATE and DELETE); each row
    carries the keyed hash (HMAC) of the previous one, and its id is its place in the chain."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc(index=True)
    actor: str | None = Field(default=None, max_length=100, index=True)
    action: str = Field(max_length=100, index=True)
    entity_kind: str = Field(max_length=50)
    entity_id: str | None = Field(default=None, max_length=200)
    # the department and reference of the customer the row concerns, if any (department scope)
    department: str | None = Field(default=None, max_length=100, index=True)
    customer_ref: str | None = Field(default=None, max_length=200, index=True)
    detail: dict[str, Any] = _json()
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class AuditHead(SQLModel, table=True):
    """The single row every audit writer locks, so the hash chain never forks; it names the
    chain's end (last id, hash, row count) under its own HMAC, so a removed tail is caught."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_hash: str = Field(max_length=64)
    last_id: int | None = None
    row_count: int = Field(default=0)
    mac: str | None = Field(default=None, max_length=64)


from engine.models_casework import (  # noqa: E402  (one metadata: every table module registers here)
    CreditCheck,
    CreditCheckDecision,
    CreditCheckStatus,
    Delegation,
    Notification,
    OutboxChannel,
    OutboxMessage,
)
from engine.models_runs import (  # noqa: E402  (one metadata: every table module registers here)
    ImportFile,
    Job,
    JobChunk,
    JobStatus,
    Schedule,
    ShadowResult,
    ShadowRun,
    SimulationMover,
)

__all__ = [
    "Alert",
    "ApiToken",
    "Assessment",
    "AuditEntry",
    "AuditHead",
    "Case",
    "CaseStatus",
    "CaseTransition",
    "CreditCheck",
    "CreditCheckDecision",
    "CreditCheckStatus",
    "Customer",
    "Delegation",
    "Department",
    "Event",
    "FxRate",
    "ImportFile",
    "Job",
    "JobChunk",
    "JobStatus",
    "LoginFailure",
    "Notification",
    "OutboxChannel",
    "OutboxMessage",
    "RoleGrant",
    "Schedule",
    "ShadowResult",
    "ShadowRun",
    "SimulationMover",
    "SpecKind",
    "SpecStatus",
    "SpecVersion",
    "TermsChange",
    "Timer",
    "UniqueValue",
    "User",
    "UserSession",
    "metadata",
]
