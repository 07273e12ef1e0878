"""Money values (docs/forms.md, "Money"). Pure.

A money field holds either a JSON number, an amount in the workspace's base currency, or an
amount in a named currency: `{"amount": 1200.5, "currency": "USD"}` (ISO 4217). The rules
language converts the second to the base currency with the rate in force on the date it
evaluates (rules-language §5); a number is read as it is.

This module holds what is particular to the object shape: its JSON Schema, the words for its
errors, how a typed text (`USD 1,200.50`, `1,200.50 usd`) splits into amount and currency, and
how a value is written back as text for an input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, TypeGuard

from dsl.spelling import number_text
from dsl.texts import N_, Text, described, text
from forms import formats

if TYPE_CHECKING:
    from forms.fields import Field

AMOUNT: Final = "amount"
CURRENCY: Final = "currency"
EXAMPLE: Final = '{"amount": 1200.5, "currency": "USD"}'

# `USD 1,200.50`, `1,200.50 USD`, `1200usd`: a three-letter code before or after the number
_CODE_FIRST = re.compile(r"([A-Za-z]{3})\s*(.*\S)\Z", re.DOTALL)
_CODE_LAST = re.compile(r"(.*?\S)\s*([A-Za-z]{3})\Z", re.DOTALL)
# Signs that name no single currency: ¥ is the yuan and the yen, $ a dozen dollars.
_SIGNS: Final = "¥￥$＄€£₩₹"


def is_amount(value: Any) -> TypeGuard[int | float]:
    """A JSON number (not a boolean)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def object_schema(field: Field) -> dict[str, Any]:
    """The JSON Schema keywords of the object shape (`type` names its JSON type); the field's
    `min` and `max` bound its amount, in the currency it is written in."""
    amount: dict[str, Any] = {"type": "number"}
    if field.minimum is not None:
        amount["minimum"] = field.minimum
    if field.maximum is not None:
        amount["maximum"] = field.maximum
    return {
        "type": "object",
        "properties": {
            AMOUNT: amount,
            CURRENCY: {"type": "string", "enum": list(formats.CURRENCY_CODES)},
        },
        "required": [AMOUNT, CURRENCY],
        "additionalProperties": False,
    }


def normalised(value: Any) -> Any:
    """A valid money value in its stored shape: an object as `{amount, currency}` in that
    order, a whole amount as an integer; a number as it is."""
    if isinstance(value, Mapping):
        amount = value[AMOUNT]
        if isinstance(amount, float) and amount.is_integer():
            amount = int(amount)
        return {AMOUNT: amount, CURRENCY: value[CURRENCY]}
    return value


def has_sign(typed: str) -> bool:
    """Whether a typed amount holds a currency sign, which names no single currency."""
    return any(sign in typed for sign in _SIGNS)


def split_text(typed: str) -> tuple[str, str | None]:
    """A typed amount as its number and its currency code, upper-cased (None: none written,
    the base currency)."""
    for pattern, number_at, code_at in ((_CODE_FIRST, 2, 1), (_CODE_LAST, 1, 2)):
        match = pattern.match(typed)
        if match:
            return match.group(number_at), match.group(code_at).upper()
    return typed, None


def as_text(value: Any) -> str:
    """A stored money value as one types it: `1200.5` or `1200.5 USD`."""
    if isinstance(value, Mapping):
        amount = value.get(AMOUNT)
        shown = number_text(amount) if is_amount(amount) else str(amount)
        return f"{shown} {value.get(CURRENCY)}"
    return number_text(value) if is_amount(value) else str(value)


def part_error(
    field: Field, label: Mapping[str, str], part: str, keyword: str, value: Any
) -> tuple[Text, str]:
    """The words and code of a JSON Schema error inside the object shape, at `part` (amount or
    currency; empty: the object itself, a key missing or unknown); `label` is the field's label
    per language (forms.messages.label_of)."""
    if part == AMOUNT:
        if keyword == "minimum" and field.minimum is not None:
            return text(
                N_("the amount of %(label)s must be at least %(min)s"),
                label=label,
                min=number_text(field.minimum),
            ), "below-minimum"
        if keyword == "maximum" and field.maximum is not None:
            return text(
                N_("the amount of %(label)s must be at most %(max)s"),
                label=label,
                max=number_text(field.maximum),
            ), "above-maximum"
        return text(
            N_("the amount of %(label)s must be a number, found %(found)s"),
            label=label,
            found=described(value),
        ), "wrong-type"
    if part == CURRENCY:
        return text(
            N_(
                "the currency of %(label)s must be a currency code (ISO 4217) such as USD, "
                "found %(found)s"
            ),
            label=label,
            found=described(value),
        ), "bad-currency"
    return text(
        N_("%(label)s must be an amount, or an amount and a currency such as %(example)s"),
        label=label,
        example=EXAMPLE,
    ), "bad-money"
