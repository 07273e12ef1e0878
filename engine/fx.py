"""Exchange rates: set the rate of a currency to the base currency from a date on (audited), list
them, and look up the rate in force on a date for the rules language (rules-language §5).

A rate holds from its `valid_from` until the next rate of the same currency; the rate in force on
a date is the one with the latest `valid_from` on or before it. The base currency's rate is always
1 and is never stored. Rates are exact decimals; the dsl reads them as numbers.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engine import audit, specs
from engine.errors import N_, ConflictError, InvalidRequestError
from engine.models import FxRate

_CURRENCY: Final = re.compile(r"^[A-Z]{3}$")
# engine.types.RateType: Numeric(24, 12)
MAX_DECIMALS: Final = 12
MAX_RATE: Final = Decimal(10) ** 12
DEFAULT_SOURCE: Final = "manual"


@dataclass(frozen=True, slots=True)
class FxRateView:
    """One stored rate: one unit of `currency` is `rate` units of the base currency from
    `valid_from` on."""

    currency: str
    rate: Decimal
    valid_from: date
    source: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FxRateSet:
    """What `set_rate` did: the rate now stored, whether it was new, and the rate it replaced
    (same currency and date) when it changed one."""

    rate: FxRateView
    created: bool
    changed: bool
    previous: Decimal | None


def _plain(value: Decimal) -> Decimal:
    """`value` without the column's trailing zeros: 7.100000000000 → 7.1, 100.000 → 100."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def _view(row: FxRate) -> FxRateView:
    return FxRateView(
        currency=row.currency,
        rate=_plain(row.rate_to_base),
        valid_from=row.valid_from,
        source=row.source,
        created_at=row.created_at,
    )


def currency_code(text: str) -> str:
    """`text` as a currency code (three capital letters). Raises InvalidRequestError."""
    code = text.strip()
    if not _CURRENCY.match(code):
        raise InvalidRequestError(
            N_("'%(text)s' is not a currency code: write three capital letters, such as USD"),
            text=text,
        )
    return code


def rate_value(value: Any) -> Decimal:
    """`value` as an exact positive rate (text is read as written, so '7.1' is exactly 7.1).

    Raises InvalidRequestError for anything else, or more than 12 decimals.
    """
    if isinstance(value, bool):
        raise InvalidRequestError(
            N_("the rate must be a positive number; found %(value)s"), value=repr(value)
        )
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise InvalidRequestError(
            N_("the rate must be a positive number; found %(value)s"), value=repr(value)
        ) from exc
    if not rate.is_finite() or rate <= 0 or rate >= MAX_RATE:
        raise InvalidRequestError(
            N_("the rate must be a positive number below 10^12; found %(value)s"), value=value
        )
    exponent = rate.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        raise InvalidRequestError(
            N_("the rate %(rate)s has more than %(max)d decimals; round it to %(max)d"),
            rate=f"{rate:f}",
            max=MAX_DECIMALS,
        )
    return rate


def set_rate(
    session: Session,
    currency: str,
    rate: Any,
    *,
    valid_from: date,
    actor: str | None,
    now: datetime,
    source: str | None = None,
    base_currency: str | None = None,
) -> FxRateSet:
    """Store that one unit of `currency` is worth `rate` units of the base currency from
    `valid_from` on; a rate already stored for that currency and date is replaced. Audited in
    the caller's transaction (nothing is written when the rate is unchanged).

    `base_currency` defaults to the latest template's. Raises InvalidRequestError (bad currency
    or rate, or the base currency itself), ConflictError (a concurrent write of the same rate).
    """
    code = currency_code(currency)
    value = rate_value(rate)
    base = base_currency or specs.base_currency(session, "")
    if code == base:
        raise InvalidRequestError(
            N_("%(code)s is the base currency: its rate is always 1"), code=code
        )
    source = source or DEFAULT_SOURCE
    row = session.exec(
        select(FxRate).where(FxRate.currency == code, FxRate.valid_from == valid_from)
    ).first()
    previous = _plain(row.rate_to_base) if row is not None else None
    if row is not None and previous == value and row.source == source:
        return FxRateSet(rate=_view(row), created=False, changed=False, previous=previous)
    if row is None:
        row = FxRate(
            currency=code, rate_to_base=value, valid_from=valid_from, source=source, created_at=now
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError as exc:
            raise ConflictError(
                N_(
                    "the %(code)s rate from %(valid_from)s was set by another request meanwhile; "
                    "try again"
                ),
                code=code,
                valid_from=valid_from,
            ) from exc
    else:
        row.rate_to_base = value
        row.source = source
        session.add(row)
        session.flush()
    audit.record(
        session,
        actor=actor,
        action="fx_rate.set",
        entity_kind="fx_rate",
        entity_id=code,
        detail={
            "currency": code,
            "valid_from": valid_from,
            "rate": str(_plain(value)),
            "previous_rate": None if previous is None else str(previous),
            "source": source,
        },
        now=now,
    )
    return FxRateSet(rate=_view(row), created=previous is None, changed=True, previous=previous)


def list_rates(session: Session, *, currency: str | None = None) -> tuple[FxRateView, ...]:
    """Every stored rate (of one currency when given), by currency, newest `valid_from` first.

    Raises InvalidRequestError for a malformed currency code.
    """
    query = select(FxRate)
    if currency is not None:
        query = query.where(FxRate.currency == currency_code(currency))
    order = (col(FxRate.currency), col(FxRate.valid_from).desc())
    return tuple(_view(row) for row in session.exec(query.order_by(*order)))


class RateLookup:
    """`lookup(currency, as_of) -> Decimal | None`: the rate in force on `as_of`, 1 for the base
    currency, None when no rate of that currency starts on or before `as_of`.

    Reads each currency's rates once, on first use, and keeps them for its own lifetime only:
    make one per request or evaluation batch (the server caches no rows between requests).
    """

    __slots__ = ("_history", "_session", "base_currency")

    def __init__(self, session: Session, *, base_currency: str | None) -> None:
        self._session = session
        self.base_currency = base_currency
        self._history: dict[str, tuple[list[date], list[Decimal]]] = {}

    def __call__(self, currency: str, as_of: date) -> Decimal | None:
        if currency == self.base_currency:
            return Decimal(1)
        history = self._history.get(currency)
        if history is None:
            rows = self._session.exec(
                select(col(FxRate.valid_from), col(FxRate.rate_to_base))
                .where(FxRate.currency == currency)
                .order_by(col(FxRate.valid_from))
            ).all()
            history = ([r[0] for r in rows], [_plain(r[1]) for r in rows])
            self._history[currency] = history
        starts, rates = history
        index = bisect_right(starts, as_of)
        return rates[index - 1] if index else None


def rate_lookup(session: Session, *, base_currency: str | None = None) -> RateLookup:
    """A rate lookup over `session` for `dsl` evaluation (`evaluate(..., fx=lookup)`).

    `base_currency` defaults to the latest template's (none before an import).
    """
    template = specs.latest_template_row(session) if base_currency is None else None
    if template is not None:
        base_currency = template.meta.get("base_currency") or None
    return RateLookup(session, base_currency=base_currency)


__all__ = [
    "FxRateSet",
    "FxRateView",
    "RateLookup",
    "currency_code",
    "list_rates",
    "rate_lookup",
    "rate_value",
    "set_rate",
]
