"""Tables around cases (issue 10): notifications and their outbox, delegations, and order
credit checks.

Outbox messages are claimed like timers (engine.timers, engine.claims): a conditional update
gives each to one worker, and the delivery and its "sent" mark commit in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from engine.columns import fk_column, json_column, utc_column
from engine.types import MoneyType


class Notification(SQLModel, table=True):
    """One message in a user's in-app inbox (the bell). `kind` names what happened
    (assigned, escalated, reminder, critical_alert, order_held, terms_changed, notify); `params`
    fill its sentence in the reader's language; `text`, when set, is a message written in a
    workflow (language -> text)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient_read", "recipient", "read_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=100)
    kind: str = Field(max_length=50)
    params: dict[str, Any] = json_column()
    text: dict[str, Any] | None = json_column(nullable=True)
    case_id: int | None = fk_column("cases.id", nullable=True)
    customer_ref: str | None = Field(default=None, max_length=200)
    department: str | None = Field(default=None, max_length=100)
    link: str | None = Field(default=None, max_length=500)
    created_at: datetime = utc_column()
    read_at: datetime | None = utc_column(nullable=True)


class OutboxChannel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class OutboxMessage(SQLModel, table=True):
    """A message to deliver outside the application (e-mail, an outbound webhook), written in
    the transaction that caused it and delivered by the sweep, once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "given_up_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    notification_id: int | None = fk_column("notifications.id", nullable=True)
    payload: dict[str, Any] = json_column()
    created_at: datetime = utc_column()
    due_at: datetime = utc_column()
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = utc_column(nullable=True)
    sent_at: datetime | None = utc_column(nullable=True)
    given_up_at: datetime | None = utc_column(nullable=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Delegation(SQLModel, table=True):
    """`user_name`'s cases go to `delegate` from `starts_at` until `ends_at` (unless revoked)."""

    __tablename__ = "delegations"
    __table_args__ = (Index("ix_delegations_user_period", "user_name", "starts_at", "ends_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_name: str = Field(max_length=100)
    delegate: str = Field(max_length=100, index=True)
    starts_at: datetime = utc_column()
    ends_at: datetime = utc_column()
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = utc_column()
    revoked_at: datetime | None = utc_column(nullable=True)


class CreditCheckDecision(StrEnum):
    PASS = "pass"
    WARN = "warn"
    HOLD = "hold"


class CreditCheckStatus(StrEnum):
    OPEN = "open"  # passed or warned: counts as an open order until closed
    HELD = "held"  # waiting for an order_held case to release or reject it
    RELEASED = "released"  # a releaser let it through: counts as open until closed
    REJECTED = "rejected"  # refused: never counts
    CLOSED = "closed"  # invoiced or cancelled: no longer an open order


class CreditCheck(SQLModel, table=True):
    """One order checked against the customer's credit before it ships; idempotent on
    `order_ref`. Amounts are stored as given and in the base currency."""

    __tablename__ = "credit_checks"
    __table_args__ = (Index("ix_credit_checks_customer_status", "customer_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = fk_column("customers.id")
    order_ref: str = Field(max_length=200, unique=True)
    amount: Decimal = Field(sa_type=MoneyType)
    currency: str = Field(max_length=3)
    amount_base: Decimal = Field(sa_type=MoneyType)
    decision: str = Field(max_length=10)
    status: str = Field(max_length=20)
    exposure: dict[str, Any] = json_column()
    credit_limit: Decimal = Field(sa_type=MoneyType)
    available: Decimal = Field(sa_type=MoneyType)
    reasons: list[Any] = json_column()
    case_id: int | None = fk_column("cases.id", nullable=True)
    created_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = utc_column()
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: datetime | None = utc_column(nullable=True)
    closed_reason: str | None = Field(default=None, max_length=20)
    closed_at: datetime | None = utc_column(nullable=True)
    row_version: int = 1
