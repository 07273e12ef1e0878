"""What a credit check looks like to its callers: frozen views built from the rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from engine.models_casework import CreditCheck

EXPOSURE_PARTS = ("outstanding", "open_orders", "this_order", "total")


@dataclass(frozen=True, slots=True)
class Exposure:
    """What the customer owes now, its other open orders, this order, and their sum (base
    currency)."""

    outstanding: Decimal
    open_orders: Decimal
    this_order: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class CheckReason:
    """A rule of the credit_check section that held: its code, `hold` or `warn`, and its text
    in each language."""

    code: str
    kind: str
    text: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class CreditCheckView:
    """One checked order. `decision` is what the check said (pass, warn, hold); `status` where
    the order is now (open, held, released, rejected, closed). `created` is False for a replay."""

    id: int
    customer_ref: str
    order_ref: str
    amount: Decimal
    currency: str
    amount_base: Decimal
    decision: str
    status: str
    exposure: Exposure
    credit_limit: Decimal
    available: Decimal
    reasons: tuple[CheckReason, ...]
    case_id: int | None
    created_by: str | None
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    closed_reason: str | None
    closed_at: datetime | None
    created: bool = False


def _plain(value: Decimal) -> Decimal:
    """`value` without the column's trailing zeros: 1200.0000 → 1200, 12.5000 → 12.5."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def check_view(row: CreditCheck, customer_ref: str, *, created: bool = False) -> CreditCheckView:
    assert row.id is not None
    exposure = {k: _plain(Decimal(str(row.exposure.get(k, 0)))) for k in EXPOSURE_PARTS}
    return CreditCheckView(
        id=row.id,
        customer_ref=customer_ref,
        order_ref=row.order_ref,
        amount=_plain(Decimal(row.amount)),
        currency=row.currency,
        amount_base=_plain(Decimal(row.amount_base)),
        decision=row.decision,
        status=row.status,
        exposure=Exposure(**exposure),
        credit_limit=_plain(Decimal(row.credit_limit)),
        available=_plain(Decimal(row.available)),
        reasons=tuple(
            CheckReason(code=r["code"], kind=r["kind"], text=dict(r["text"])) for r in row.reasons
        ),
        case_id=row.case_id,
        created_by=row.created_by,
        created_at=row.created_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        closed_reason=row.closed_reason,
        closed_at=row.closed_at,
        created=created,
    )
