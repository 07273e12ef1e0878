"""Money at evaluation time (rules-language §5): amounts in a currency, converted to the base
currency with the rate in force on `as_of`, which the engine supplies. Pure: the rate lookup is
the caller's function; nothing here reads a clock or a network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dsl.context import Context


def rate(context: Context, currency: str) -> int | float | None:
    """The rate from `currency` to the base currency on `as_of`; None (and noted) when unknown."""
    rates = context.rates
    if currency in rates:
        return rates[currency]
    found: Any = None
    if currency == context.base_currency:
        found = 1
    elif context.fx is not None and context.as_of is not None:
        found = context.fx(currency, context.as_of)
    if found.__class__ is Decimal:
        found = float(found)
    if not (found.__class__ in (int, float) and found > 0):
        found = None
        context.missing_rates.add(currency)
    rates[currency] = found
    return found  # type: ignore[no-any-return]


def convert(amount: Any, currency: Any, context: Context) -> int | float | None:
    """`amount` of `currency` in the base currency; missing when either is bad or no rate."""
    if amount.__class__ is Decimal:
        amount = _finite(float(amount))
    if amount.__class__ not in (int, float) or currency.__class__ is not str:
        return None
    found = rate(context, currency)
    if found is None:
        return None
    if found == 1:
        return amount
    try:
        return amount * found
    except OverflowError:
        return None


def money(value: Any, context: Context) -> int | float | None:
    """A money field's value in the base currency.

    A number is already in the base currency (an exact Decimal is read as a float, as rates
    are); `{"amount": n, "currency": "USD"}` is converted; anything else is missing.
    """
    cls = value.__class__
    if cls is int or cls is float:
        return value  # type: ignore[no-any-return]
    if cls is Decimal:
        return _finite(float(value))
    if isinstance(value, Mapping):
        return convert(value.get("amount"), value.get("currency"), context)
    return None


def _finite(value: float) -> float | None:
    """A float read from a Decimal, or None when it is not a finite number (NaN, too large)."""
    return value if math.isfinite(value) else None
