"""Order credit checks: before an order ships, measure the customer's exposure with it and pass,
warn or hold it by the template's `credit_check` section (engine.credit_policy); a hold opens an
`order_held` case through engine.triggers. All in the caller's transaction, audited.

Deciding a held check, closing and reading checks are in engine.credit_decisions.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

import forms
import workflows
from engine import audit, fx, specs, triggers
from engine.credit_policy import CreditPolicy, CreditRule, policy_of_template
from engine.credit_views import CreditCheckView, check_view
from engine.customers import find_customer
from engine.errors import N_, ConflictError, InvalidRequestError, NotConfiguredError
from engine.evaluation import customer_record, latest_assessment
from engine.models import Case, Customer
from engine.models_casework import CreditCheck, CreditCheckDecision, CreditCheckStatus
from engine.scoping import Scope
from engine.views import number

# The statuses whose orders count as open (docs/credit-checks.md).
OPEN_STATUSES: Final = (CreditCheckStatus.OPEN, CreditCheckStatus.RELEASED)
# Case.context key of an order_held case: the id of the credit check that opened it.
CASE_CONTEXT_KEY: Final = "credit_check_id"
MAX_ORDER_REF: Final = 200
MAX_AMOUNT: Final = Decimal(10) ** 15  # engine.types.MoneyType: Numeric(20, 4)
MAX_DECIMALS: Final = 4
CENT: Final = Decimal("0.01")

_OPEN_ORDERS = select(func.coalesce(func.sum(CreditCheck.amount_base), 0)).where(
    col(CreditCheck.status).in_([str(s) for s in OPEN_STATUSES])
)


def money(value: Any) -> Decimal:
    """An amount of the base currency rounded to its minor unit (cents)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def order_amount(value: Any) -> Decimal:
    """`value` as an order amount: a positive number below 10^15 with at most 4 decimals.

    Raises InvalidRequestError otherwise."""
    if isinstance(value, bool):
        raise InvalidRequestError(
            N_("the amount must be a positive number; found %(value)s"), value=value
        )
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise InvalidRequestError(
            N_("the amount must be a positive number; found %(value)s"), value=repr(value)
        ) from exc
    if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
        raise InvalidRequestError(
            N_("the amount must be a positive number below 10^15; found %(value)s"), value=value
        )
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        raise InvalidRequestError(
            N_("the amount %(amount)s has more than %(max)d decimals"),
            amount=f"{amount:f}",
            max=MAX_DECIMALS,
        )
    return amount


def order_reference(value: str) -> str:
    """`value` as an order reference: 1 to 200 characters of text. Raises InvalidRequestError."""
    problem = forms.text_problem(value)
    if not value.strip() or len(value) > MAX_ORDER_REF or problem is not None:
        raise InvalidRequestError(
            N_("the order reference must be 1 to %(max)d characters of text"), max=MAX_ORDER_REF
        )
    return value


# --- the policy ----------------------------------------------------------------------------------

_policies: dict[tuple[str, str], CreditPolicy | None] = {}
_policies_lock = threading.Lock()


def credit_policy(session: Session) -> CreditPolicy | None:
    """The `credit_check` section of the latest published template, compiled against the
    published customer form (cached by both checksums); None when it declares none.

    Raises NotConfiguredError before any template is imported."""
    form = specs.customer_form(session)  # raises NotConfiguredError before an import
    template = specs.latest_template_row(session)
    if template is None:
        raise NotConfiguredError(N_("no customer form is published yet: import a template first"))
    key = (template.checksum, form.checksum)
    with _policies_lock:
        if key in _policies:
            return _policies[key]
    policy = policy_of_template(
        template.source,
        filename=template.filename or "template.yaml",
        customer_schema=specs.record_schema(form.value),
        roles=tuple(template.meta.get("roles") or ()),
    )
    with _policies_lock:
        if len(_policies) > 64:
            _policies.clear()
        _policies[key] = policy
    return policy


# --- checking an order ---------------------------------------------------------------------------


def check_order(
    session: Session,
    *,
    customer: str,
    order_ref: str,
    amount: Any,
    currency: str,
    actor: str | None,
    now: datetime,
    tz: tzinfo,
    scope: Scope = None,
    published: Sequence[specs.LoadedSpec[workflows.Workflow]] | None = None,
    idempotency_key: str | None = None,
) -> CreditCheckView:
    """Check the order `order_ref` of `amount` `currency` against the credit of the customer
    whose reference is `customer` (within `scope`), store the check and, when it is held, open
    the order_held case (`published`: the workflows to consider, default the published ones).

    Returns the stored check (`created` False when `order_ref` was checked before with the same
    customer, amount and currency: that check, unchanged). Raises NotFoundError (customer),
    InvalidRequestError (bad amount, currency or reference, no exchange rate), ConflictError
    (the order was checked with another body), NotConfiguredError (no credit_check section).
    """
    order_ref = order_reference(order_ref)
    value = order_amount(amount)
    code = fx.currency_code(currency)
    found = find_customer(session, customer, scope=scope)
    existing = _by_order_ref(session, order_ref)
    if existing is not None:
        return _replayed(session, existing, found, value, code)
    policy = credit_policy(session)
    if policy is None:
        raise NotConfiguredError(
            N_("the template declares no credit_check section: orders cannot be checked")
        )
    locked = _lock_customer(session, found)
    today = now.astimezone(tz).date()
    rates = fx.rate_lookup(session)
    amount_base = _in_base(value, code, today, rates)
    record = customer_record(session, locked, tz=tz)
    record.update(tier=locked.tier, score=number(locked.score))
    outstanding = _outstanding(policy, record, today, rates)
    assert locked.id is not None
    open_orders = money(
        session.exec(_OPEN_ORDERS.where(CreditCheck.customer_id == locked.id)).one()
    )
    credit_limit = money(locked.credit_limit)
    exposure = {
        "outstanding": outstanding,
        "open_orders": open_orders,
        "this_order": amount_base,
        "total": outstanding + open_orders + amount_base,
    }
    available = credit_limit - outstanding - open_orders
    order = {"ref": order_ref, "amount": number(amount_base), "currency": code}
    facts = {
        **record,
        "order": order,
        "exposure": {k: number(v) for k, v in exposure.items()},
        "available": number(available),
    }
    held = _holding(policy.hold, facts, today, rates)
    warned = _holding(policy.warn, facts, today, rates)
    decision = (
        CreditCheckDecision.HOLD
        if held
        else CreditCheckDecision.WARN
        if warned
        else CreditCheckDecision.PASS
    )
    row = CreditCheck(
        customer_id=locked.id,
        order_ref=order_ref,
        amount=value,
        currency=code,
        amount_base=amount_base,
        decision=str(decision),
        status=str(
            CreditCheckStatus.HELD
            if decision is CreditCheckDecision.HOLD
            else CreditCheckStatus.OPEN
        ),
        exposure={k: str(v) for k, v in exposure.items()},
        credit_limit=credit_limit,
        available=available,
        reasons=[_reason(r, "hold") for r in held] + [_reason(r, "warn") for r in warned],
        created_by=actor,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # the same order_ref was checked meanwhile by another request: answer as a replay
        existing = _by_order_ref(session, order_ref)
        if existing is None:
            raise
        return _replayed(session, existing, found, value, code)
    assert row.id is not None
    audit.record(
        session,
        actor=actor,
        action="credit_check.created",
        entity_kind="credit_check",
        entity_id=row.id,
        detail={
            "order_ref": order_ref,
            "amount": str(value),
            "currency": code,
            "amount_base": str(amount_base),
            "decision": row.decision,
            "exposure": row.exposure,
            "credit_limit": str(credit_limit),
            "available": str(available),
            "reasons": [r["code"] for r in row.reasons],
            "idempotency_key": idempotency_key,
        },
        department=locked.department,
        customer_ref=locked.external_ref,
        now=now,
    )
    if decision is CreditCheckDecision.HOLD:
        _open_hold_case(
            session, row, locked, record, order, actor=actor, now=now, published=published
        )
    return check_view(row, locked.external_ref, created=True)


def _by_order_ref(session: Session, order_ref: str) -> CreditCheck | None:
    return session.exec(select(CreditCheck).where(CreditCheck.order_ref == order_ref)).first()


def _replayed(
    session: Session, existing: CreditCheck, customer: Customer, amount: Decimal, currency: str
) -> CreditCheckView:
    same = (
        existing.customer_id == customer.id
        and existing.amount == amount
        and existing.currency == currency
    )
    if not same:
        raise ConflictError(
            N_(
                "the order '%(order_ref)s' was already checked with another customer, amount "
                "or currency; use a new order reference"
            ),
            order_ref=existing.order_ref,
        )
    return check_view(existing, customer.external_ref, created=False)


def _lock_customer(session: Session, customer: Customer) -> Customer:
    """The customer row locked for the transaction, so that two checks of one customer count
    each other's orders. On SQLite, whose BEGIN IMMEDIATE serialises writers already, the row
    read is the one the transaction holds: no second read."""
    if session.get_bind().dialect.name == "sqlite":
        return customer
    return session.exec(
        select(Customer)
        .where(Customer.id == customer.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()


def _in_base(amount: Decimal, currency: str, today: date, rates: fx.RateLookup) -> Decimal:
    if rates.base_currency is None or currency == rates.base_currency:
        return money(amount)
    rate = rates(currency, today)
    if rate is None:
        raise InvalidRequestError(
            N_("there is no %(currency)s exchange rate on %(date)s: set one first"),
            currency=currency,
            date=today.isoformat(),
        )
    return money(amount * rate)


def _outstanding(
    policy: CreditPolicy, record: Mapping[str, Any], today: date, rates: fx.RateLookup
) -> Decimal:
    # a missing value (no balance recorded yet) counts as nothing owed (docs/credit-checks.md)
    value = policy.outstanding.expression.evaluate(record, as_of=today, fx=rates)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return money(0)
    return money(value)


def _holding(
    rules: Sequence[CreditRule], facts: Mapping[str, Any], today: date, rates: fx.RateLookup
) -> list[CreditRule]:
    return [r for r in rules if r.when.expression.evaluate(facts, as_of=today, fx=rates) is True]


def _reason(rule: CreditRule, kind: str) -> dict[str, Any]:
    return {"code": rule.code, "kind": kind, "text": dict(rule.reason)}


def _open_hold_case(
    session: Session,
    row: CreditCheck,
    customer: Customer,
    record: dict[str, Any],
    order: dict[str, Any],
    *,
    actor: str | None,
    now: datetime,
    published: Sequence[specs.LoadedSpec[workflows.Workflow]] | None,
) -> None:
    """Fire `order_held` for the check; the case it opens (or whose reason it adds to) is
    recorded on the check, and an opened case's context names the check."""
    assert customer.id is not None and row.id is not None
    latest = latest_assessment(session, customer.id)
    guard = {
        **record,
        "assessment": None
        if latest is None
        else {
            "tier": latest.tier,
            "previous_tier": latest.previous_tier,
            "score": number(latest.score),
        },
    }
    occurrence = workflows.Occurrence(
        kind=workflows.TriggerKind.ORDER_HELD,
        facts={
            "order": order,
            "check": {
                "id": row.id,
                "decision": row.decision,
                "exposure": {k: number(Decimal(v)) for k, v in row.exposure.items()},
                "credit_limit": number(row.credit_limit),
                "available": number(row.available),
                "reasons": [r["code"] for r in row.reasons],
            },
        },
        reason={"trigger": "order_held", "order_ref": row.order_ref, "credit_check_id": row.id},
    )
    started = triggers.start_workflows(
        session,
        occurrence,
        customer=customer,
        record=guard,
        actor=actor,
        now=now,
        published=published,
    )
    case_ids = started.opened or started.reasons_added
    if not case_ids:
        return
    row.case_id = case_ids[0]
    session.add(row)
    for case_id in started.opened:
        case = session.get(Case, case_id)
        assert case is not None
        case.context = {**case.context, CASE_CONTEXT_KEY: row.id}
        session.add(case)
    session.flush()


__all__ = [
    "CASE_CONTEXT_KEY",
    "OPEN_STATUSES",
    "check_order",
    "credit_policy",
    "money",
    "order_amount",
]
