"""What happens to a checked order afterwards: a held order is released or rejected (from its
order_held case), an open one is closed when invoiced or cancelled; and reading checks. Each
change is a conditional update on the check's row version, audited in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import update
from sqlmodel import Session, col, func, select

import workflows
from engine import audit
from engine.credit_checks import OPEN_STATUSES, credit_policy
from engine.credit_views import CreditCheckView, check_view
from engine.customers import find_customer
from engine.errors import (
    N_,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from engine.models import Customer
from engine.models_casework import CreditCheck, CreditCheckStatus
from engine.scoping import Scope, is_within
from engine.types import is_row_id

RECENT_CHECKS: Final = 10


class CloseReason(StrEnum):
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class CustomerOrders:
    """A customer's open orders (open or released checks) and its most recent checks."""

    open_orders: Decimal
    open_count: int
    recent: tuple[CreditCheckView, ...]


def _missing(check_id: Any) -> NotFoundError:
    return NotFoundError(N_("there is no credit check %(id)s"), id=check_id)


def _find(
    session: Session, check_id: int, scope: Scope, *, lock: bool = False
) -> tuple[CreditCheck, Customer]:
    """The check and its customer, when the customer lies in `scope`; NotFoundError otherwise."""
    if not is_row_id(check_id):
        raise _missing(check_id)
    query = select(CreditCheck).where(CreditCheck.id == check_id)
    if lock:
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    row = session.exec(query).first()
    if row is None:
        raise _missing(check_id)
    customer = session.get(Customer, row.customer_id)
    if customer is None or not is_within(customer.department, scope):
        raise _missing(check_id)
    return row, customer


def get_check(session: Session, check_id: int, *, scope: Scope = None) -> CreditCheckView:
    """The check `check_id` as it stands now. Raises NotFoundError (none, or outside `scope`)."""
    row, customer = _find(session, check_id, scope)
    return check_view(row, customer.external_ref)


def held_check_of_case(session: Session, case_id: int) -> int | None:
    """The id of the held check an order_held case decides (the one it was opened for, else
    the first held check linked to it), None when none is held."""
    rows = session.exec(
        select(CreditCheck.id)
        .where(CreditCheck.case_id == case_id, CreditCheck.status == CreditCheckStatus.HELD)
        .order_by(col(CreditCheck.id))
    ).all()
    return rows[0] if rows else None


def _write(session: Session, row: CreditCheck, **values: Any) -> None:
    """`UPDATE credit_checks SET values WHERE id AND row_version` (a conflict when it moved)."""
    result = session.execute(
        update(CreditCheck)
        .where(col(CreditCheck.id) == row.id, col(CreditCheck.row_version) == row.row_version)
        .values(**values, row_version=row.row_version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(
            N_("the credit check %(id)s was changed by someone else meanwhile; try again"),
            id=row.id,
        )
    for name, value in values.items():
        setattr(row, name, value)
    row.row_version += 1


def decide_order(
    session: Session,
    check_id: int,
    decision: str,
    *,
    actor: str | None,
    actor_roles: Collection[str],
    now: datetime,
    scope: Scope = None,
) -> CreditCheckView:
    """Release or reject the held check `check_id` (`decision`: release or reject).

    A release needs a releaser role among `actor_roles` (the actor's roles in the customer's
    department) whose overage authority covers how far the order's exposure exceeds the credit
    limit. Raises InvalidRequestError (unknown decision), NotFoundError, ConflictError (not
    held), PermissionDeniedError (no releaser, or the overage is beyond their authority).
    """
    try:
        chosen = workflows.OrderDecision(decision)
    except ValueError as exc:
        raise InvalidRequestError(
            N_("unknown decision '%(decision)s': release or reject"), decision=decision
        ) from exc
    row, customer = _find(session, check_id, scope, lock=True)
    if row.status != CreditCheckStatus.HELD:
        raise ConflictError(
            N_("the order '%(order_ref)s' is not held (it is %(status)s)"),
            order_ref=row.order_ref,
            status=row.status,
        )
    overage = max(Decimal(0), Decimal(str(row.exposure["total"])) - row.credit_limit)
    if chosen is workflows.OrderDecision.RELEASE:
        _ensure_authority(session, actor_roles, overage)
    status = (
        CreditCheckStatus.RELEASED
        if chosen is workflows.OrderDecision.RELEASE
        else CreditCheckStatus.REJECTED
    )
    _write(session, row, status=str(status), decided_by=actor, decided_at=now)
    audit.record(
        session,
        actor=actor,
        action=f"credit_check.{status}",
        entity_kind="credit_check",
        entity_id=row.id,
        detail={"order_ref": row.order_ref, "overage": str(overage), "case_id": row.case_id},
        department=customer.department,
        customer_ref=customer.external_ref,
        now=now,
    )
    return check_view(row, customer.external_ref)


def _ensure_authority(session: Session, roles: Collection[str], overage: Decimal) -> None:
    policy = credit_policy(session)
    releasers = dict(policy.releasers) if policy is not None else {}
    authority = policy.authority_of(roles) if policy is not None else None
    if authority is None:
        raise PermissionDeniedError(
            N_("only a releaser may release a held order (%(roles)s)"),
            roles=", ".join(sorted(releasers)) or "-",
        )
    if overage > authority:
        raise PermissionDeniedError(
            N_(
                "the order is %(overage)s over the credit limit, but your roles may release "
                "at most %(authority)s over it"
            ),
            overage=f"{overage:,.2f}",
            authority=f"{authority:,.2f}",
        )


def close_check(
    session: Session,
    check_id: int,
    reason: str,
    *,
    actor: str | None,
    now: datetime,
    scope: Scope = None,
) -> CreditCheckView:
    """Close the open (or released) check `check_id`: its order was invoiced or cancelled and
    no longer counts as open. Closing a closed check again with the same reason returns it.

    Raises InvalidRequestError (reason), NotFoundError, ConflictError (held, rejected, or
    closed with another reason)."""
    try:
        why = CloseReason(reason)
    except ValueError as exc:
        raise InvalidRequestError(
            N_("unknown reason '%(reason)s': invoiced or cancelled"), reason=reason
        ) from exc
    row, customer = _find(session, check_id, scope, lock=True)
    if row.status == CreditCheckStatus.CLOSED and row.closed_reason == why:
        return check_view(row, customer.external_ref)
    if row.status not in OPEN_STATUSES:
        raise ConflictError(
            N_("the order '%(order_ref)s' is %(status)s: only an open order can be closed"),
            order_ref=row.order_ref,
            status=row.status
            if row.status != CreditCheckStatus.CLOSED
            else f"{row.status} ({row.closed_reason})",
        )
    _write(
        session, row, status=str(CreditCheckStatus.CLOSED), closed_reason=str(why), closed_at=now
    )
    audit.record(
        session,
        actor=actor,
        action="credit_check.closed",
        entity_kind="credit_check",
        entity_id=row.id,
        detail={"order_ref": row.order_ref, "reason": str(why)},
        department=customer.department,
        customer_ref=customer.external_ref,
        now=now,
    )
    return check_view(row, customer.external_ref)


def customer_orders(
    session: Session, customer_ref: str, *, scope: Scope = None, limit: int = RECENT_CHECKS
) -> CustomerOrders:
    """The open orders (sum in base currency and count) and the latest checks of the customer
    `customer_ref`. Raises NotFoundError (none, or outside `scope`)."""
    customer = find_customer(session, customer_ref, scope=scope)
    assert customer.id is not None
    total, count = session.exec(
        select(func.coalesce(func.sum(CreditCheck.amount_base), 0), func.count()).where(
            CreditCheck.customer_id == customer.id,
            col(CreditCheck.status).in_([str(s) for s in OPEN_STATUSES]),
        )
    ).one()
    rows = session.exec(
        select(CreditCheck)
        .where(CreditCheck.customer_id == customer.id)
        .order_by(col(CreditCheck.id).desc())
        .limit(limit)
    ).all()
    return CustomerOrders(
        open_orders=Decimal(str(total)).quantize(Decimal("0.01")),
        open_count=int(count),
        recent=tuple(check_view(r, customer.external_ref) for r in rows),
    )


__all__ = [
    "CloseReason",
    "CustomerOrders",
    "close_check",
    "customer_orders",
    "decide_order",
    "get_check",
    "held_check_of_case",
]
