"""A customer's exposure as stored on its row (issue 12, docs/performance.md "The dashboard"):
the customer form's `outstanding_balance` copied out of the stored data into the columns
`exposure_amount` and `exposure_currency`, so the dashboard sums a column (an index-only scan)
instead of reading every customer's JSON. Pure: no session, no clock.

Every path that writes `Customer.data` writes these columns with it, from `exposure_columns`
of the data as stored: a create or update (engine.customers, engine.customer_data), the bulk
import (engine.customer_import), a form version's migration (engine.form_migration), a key
rotation that seals a clear value (engine.key_rotation), and migration 0016's backfill.

The amount and currency are kept as written, not converted: the dashboard converts each
currency's sum at the rate in force on its day. A sensitive field's value is stored sealed
(engine.crypto) and is never copied into a plain column: its columns stay NULL, and the
dashboard sums no exposure for a sensitive field (docs/security.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from engine import crypto

# the customer form's money field that says what a customer owes now (the example template's;
# its credit_check policy reads the same field as `outstanding`)
EXPOSURE_FIELD: Final = "outstanding_balance"
# what a money column (engine.types.MoneyType, NUMERIC(20, 4)) holds: a larger amount is no
# balance, and is stored as none rather than refused by the database
_LIMIT: Final = Decimal(10) ** 16


def exposure_columns(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The exposure columns of a customer whose data is stored as `stored` (sensitive values
    sealed): `exposure_amount` the balance's amount (a Decimal; None when missing, sealed or
    not a money value) and `exposure_currency` its currency (None: the base currency, as a
    plain number is; also None when there is no amount)."""
    value = stored.get(EXPOSURE_FIELD)
    amount: Any = None
    currency: str | None = None
    if crypto.is_sealed(value):
        pass  # a sensitive field's value stays sealed: no plain copy
    elif isinstance(value, Mapping):
        # forms §Money: {amount, currency}, the amount in that currency
        code = value.get("currency")
        if isinstance(code, str):
            amount, currency = value.get("amount"), code
    else:
        amount = value  # a plain number: an amount in the base currency
    exact = _decimal(amount)
    if exact is None:
        return {"exposure_amount": None, "exposure_currency": None}
    return {"exposure_amount": exact, "exposure_currency": currency}


def _decimal(amount: Any) -> Decimal | None:
    if not isinstance(amount, int | float) or isinstance(amount, bool):
        return None
    exact = Decimal(str(amount))
    return exact if exact.is_finite() and abs(exact) < _LIMIT else None


__all__ = ["EXPOSURE_FIELD", "exposure_columns"]
