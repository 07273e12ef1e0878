"""A customer's credit terms: defaults, validation, their JSON shape, and audited changes.

Terms are the engine's, not the form's (DESIGN.md, "Runtime state"): given once when a customer is
created, changed afterwards only by a workflow's `change_terms` (or an audited admin edit).
Money and fractions are stored as `Decimal` and leave this module as JSON numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import get_currency_precision
from sqlmodel import Session

import forms
from engine import audit
from engine.errors import N_, DataValidationError
from engine.models import Customer, TermsChange
from engine.rows import update_versioned
from engine.views import TermsView, number

# The five fields rules read are `forms.TERMS_FIELDS`; `currency` is the engine's own.

# Terms of a customer created without any (documented in the API reference through this constant).
DEFAULT_TERMS: Mapping[str, Any] = {
    "credit_limit": 0,
    "payment_terms_days": 30,
    "prepayment_pct": 0,
    "order_hold": False,
    "next_review_at": None,
}


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value))


def _stored(name: str, value: Any) -> Any:
    """A validated terms value in the type its column holds."""
    if name in ("credit_limit", "prepayment_pct"):
        return _decimal(value)
    if name == "payment_terms_days":
        return int(value)
    if name == "order_hold":
        return bool(value)
    return _date(value)


def _json(name: str, value: Any) -> Any:
    if name in ("credit_limit", "prepayment_pct"):
        return number(value)
    if name == "next_review_at":
        return value.isoformat() if value is not None else None
    return value


def terms_record(customer: Customer) -> dict[str, Any]:
    """The terms as rules and guards read them: JSON numbers, booleans and ISO dates."""
    return {name: _json(name, getattr(customer, name)) for name in forms.TERMS_FIELDS}


def terms_snapshot(customer: Customer) -> dict[str, Any]:
    """The terms with their currency, as stored in a terms change's before/after."""
    return {**terms_record(customer), "currency": customer.currency}


def terms_view(customer: Customer) -> TermsView:
    return TermsView(
        credit_limit=number(customer.credit_limit) or 0,
        currency=customer.currency,
        payment_terms_days=customer.payment_terms_days,
        prepayment_pct=number(customer.prepayment_pct) or 0,
        order_hold=customer.order_hold,
        next_review_at=customer.next_review_at,
    )


def validated_terms(terms: Mapping[str, Any], *, currency: str) -> dict[str, Any]:
    """The given terms checked by forms.validate_terms and converted to their stored types.

    A `currency` entry is accepted only when it is the workspace's base currency (money is kept
    in the base currency); entries that are None count as not given. Raises DataValidationError
    listing every error, with paths under `terms`.
    """
    # None means "not given"; dates travel as ISO text, as in JSON
    given = {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in terms.items()
        if value is not None
    }
    errors: list[forms.DataError] = []
    given_currency = given.pop("currency", None)
    if given_currency is not None and given_currency != currency:
        errors.append(
            forms.DataError.of(
                ("terms", "currency"),
                "currency",
                forms.text(
                    N_("credit terms are kept in the base currency %(currency)s"), currency=currency
                ),
            )
        )
    for error in forms.validate_terms(given):
        path = tuple(error.path)
        if not path or path[0] != "terms":
            error = dataclasses.replace(error, path=("terms", *path))
        errors.append(error)
    if errors:
        raise DataValidationError(errors)
    return {name: _stored(name, value) for name, value in given.items()}


def differing(customer: Customer, terms: Mapping[str, Any]) -> list[str]:
    """The names of the (stored-type) terms that differ from the customer's current ones."""
    return [name for name, value in terms.items() if getattr(customer, name) != value]


def rounded_money(value: Any, currency: str) -> Any:
    """`value` rounded (half up) to the minor unit of `currency` (2 digits for CNY, 0 for JPY);
    anything not a number is returned as it is, for validation to refuse."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    digits = get_currency_precision(currency)
    return number(_decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


@dataclasses.dataclass(frozen=True, slots=True)
class ChangeOrigin:
    """Where a terms change comes from, kept on its row: the case that made it, the person who
    approved it, the ruleset version whose assessment opened the case, and, for a temporary
    change, when and on what condition it is undone; `restores`: the change this one undoes."""

    case_id: int | None = None
    approver: str | None = None
    ruleset_key: str | None = None
    ruleset_version: int | None = None
    restore_at: datetime | None = None
    restore_when: str | None = None
    restores: int | None = None


def change_terms(
    session: Session,
    customer: Customer,
    values: Mapping[str, Any],
    *,
    case_id: int | None,
    actor: str | None,
    now: datetime,
    missing: tuple[str, ...] = (),
    origin: ChangeOrigin | None = None,
) -> TermsChange | None:
    """Apply new terms to a customer with a before/after record and an audit row.

    `missing` names terms a workflow left unchanged because their expression gave a missing
    value (recorded in the audit row); `origin` adds the approver, the ruleset version and, for
    a temporary change, its restoration (engine.terms_restore schedules it). A credit limit is
    rounded to the currency's minor unit. Returns the TermsChange, or None when the values equal
    the current terms. Raises DataValidationError for values outside the terms' types,
    ConflictError when the customer changed meanwhile.
    """
    origin = origin or ChangeOrigin(case_id=case_id)
    if "credit_limit" in values:
        limit = rounded_money(values["credit_limit"], customer.currency)
        values = {**values, "credit_limit": limit}
    new = validated_terms(values, currency=customer.currency)
    if not differing(customer, new):
        return None
    before = terms_snapshot(customer)
    update_versioned(session, customer, updated_at=now, **new)
    after = terms_snapshot(customer)
    assert customer.id is not None
    change = TermsChange(
        customer_id=customer.id,
        case_id=case_id,
        actor=actor,
        before=before,
        after=after,
        at=now,
        approver=origin.approver,
        ruleset_key=origin.ruleset_key,
        ruleset_version=origin.ruleset_version,
        restore_at=origin.restore_at,
        restore_when=origin.restore_when,
        restores_id=origin.restores,
    )
    session.add(change)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="terms.changed",
        entity_kind="customer",
        entity_id=customer.external_ref,
        detail={
            "case_id": case_id,
            "terms_change_id": change.id,
            "before": before,
            "after": after,
            "missing": list(missing),
            "approver": origin.approver,
            "ruleset": (
                {"key": origin.ruleset_key, "version": origin.ruleset_version}
                if origin.ruleset_key is not None
                else None
            ),
            "restore_at": origin.restore_at,
            "restore_when": origin.restore_when,
            "restores": origin.restores,
        },
        department=customer.department,
        customer_ref=customer.external_ref,
        now=now,
    )
    return change
