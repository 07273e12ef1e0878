"""The REST API's shapes of order credit checks: `CreditCheckCreate`, `CreditCheckClose`,
`CreditCheckPublic` (docs/credit-checks.md)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.credit_views import CreditCheckView
from engine.views import number

Number = int | float


class CreditCheckCreate(BaseModel):
    """An order about to ship: its reference (the check is idempotent on it), amount, currency."""

    model_config = ConfigDict(extra="forbid")

    order_ref: str = Field(min_length=1, max_length=200, examples=["SO-2026-0042"])
    amount: Decimal = Field(
        gt=0,
        description='the order\'s amount in `currency` (send text such as "1200.50" to avoid '
        "binary rounding), at most 4 decimals",
        examples=[250000],
    )
    currency: str = Field(
        min_length=3, max_length=3, description="three capital letters", examples=["CNY"]
    )


class CreditCheckClose(BaseModel):
    """Why an open order no longer counts: it was invoiced or cancelled."""

    model_config = ConfigDict(extra="forbid")

    reason: Literal["invoiced", "cancelled"]


class ExposurePublic(BaseModel):
    outstanding: Number = Field(description="what the customer owes now (the section's expression)")
    open_orders: Number = Field(description="its other open and released orders")
    this_order: Number = Field(description="this order, in the base currency")
    total: Number


class ReasonPublic(BaseModel):
    code: str = Field(examples=["over_limit"])
    kind: Literal["hold", "warn"]
    text: dict[str, str] = Field(description="language (en, zh) → text")


class CreditCheckPublic(BaseModel):
    id: int
    customer_ref: str
    order_ref: str
    amount: Number
    currency: str
    amount_base: Number = Field(description="the amount in the base currency at the day's rate")
    decision: Literal["pass", "warn", "hold"] = Field(description="what the check said")
    status: Literal["open", "held", "released", "rejected", "closed"] = Field(
        description="where the order is now"
    )
    exposure: ExposurePublic
    credit_limit: Number
    available: Number = Field(description="credit_limit − outstanding − open_orders")
    reasons: list[ReasonPublic]
    case_id: int | None = Field(description="the order_held case deciding a held order")
    created_by: str | None
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    closed_reason: Literal["invoiced", "cancelled"] | None
    closed_at: datetime | None

    @classmethod
    def of(cls, view: CreditCheckView) -> CreditCheckPublic:
        def json_number(value: Decimal) -> Number:
            found = number(value)
            assert found is not None
            return found

        return cls.model_validate(
            {
                "id": view.id,
                "customer_ref": view.customer_ref,
                "order_ref": view.order_ref,
                "amount": json_number(view.amount),
                "currency": view.currency,
                "amount_base": json_number(view.amount_base),
                "decision": view.decision,
                "status": view.status,
                "exposure": {
                    "outstanding": json_number(view.exposure.outstanding),
                    "open_orders": json_number(view.exposure.open_orders),
                    "this_order": json_number(view.exposure.this_order),
                    "total": json_number(view.exposure.total),
                },
                "credit_limit": json_number(view.credit_limit),
                "available": json_number(view.available),
                "reasons": [
                    {"code": r.code, "kind": r.kind, "text": dict(r.text)} for r in view.reasons
                ],
                "case_id": view.case_id,
                "created_by": view.created_by,
                "created_at": view.created_at,
                "decided_by": view.decided_by,
                "decided_at": view.decided_at,
                "closed_reason": view.closed_reason,
                "closed_at": view.closed_at,
            }
        )
