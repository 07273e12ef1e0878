"""The functions of rules-language §3 at evaluation time, and the table the checker reads.

Pure, no clock: `today()` and the `*_since` functions take the evaluation's `as_of`. Every function
is total: a missing or wrong-kind argument gives missing (None), never an exception.

`updated(FIELD)` and `source(FIELD)` read what the caller's record carries under FRESHNESS_KEY
(a key no field can have: names neither start nor end with `__`): a mapping of field name to
`(date it last changed, source)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from dsl.dates import to_date


@dataclass(frozen=True, slots=True)
class Signature:
    """How a function is called: argument counts and the kind of each argument."""

    minimum: int
    maximum: int | None  # None: any number
    # "number", "text", "date", "same" (all alike), "any", "round", "field" (a field's name)
    arguments: str
    result: str  # a ValueType value, or "same" (the arguments' common type)


# rules-language §3, "functions"; the event forms of count/sum/min/max/last are checked apart.
SIGNATURES: dict[str, Signature] = {
    "abs": Signature(1, 1, "number", "same"),
    "min": Signature(1, None, "same", "same"),
    "max": Signature(1, None, "same", "same"),
    "round": Signature(1, 2, "round", "same"),
    "lower": Signature(1, 1, "text", "text"),
    "upper": Signature(1, 1, "text", "text"),
    "contains": Signature(2, 2, "text", "boolean"),
    "starts_with": Signature(2, 2, "text", "boolean"),
    "length": Signature(1, 1, "text", "number"),
    "today": Signature(0, 0, "any", "date"),
    "days_since": Signature(1, 1, "date", "number"),
    "days_until": Signature(1, 1, "date", "number"),
    "years_since": Signature(1, 1, "date", "number"),
    "coalesce": Signature(1, None, "same", "same"),
    "updated": Signature(1, 1, "field", "date"),
    "source": Signature(1, 1, "field", "text"),
}
EVENT_FUNCTIONS = ("count", "sum", "min", "max", "last")
ALL_FUNCTIONS = tuple(sorted({*SIGNATURES, *EVENT_FUNCTIONS}))


def _is_number(value: Any) -> bool:
    cls = value.__class__
    return cls is int or cls is float


def absolute(value: Any) -> Any:
    return abs(value) if _is_number(value) else None


def _present(values: tuple[Any, ...]) -> list[Any] | None:
    """The present arguments when all are of one comparable kind; None otherwise."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    if all(_is_number(v) for v in present):
        return present
    kind = present[0].__class__
    if kind in (str, date) and all(v.__class__ is kind for v in present):
        return present
    return None


def minimum(*values: Any) -> Any:
    """rules-language §3: missing arguments are skipped; all missing gives missing."""
    present = _present(values)
    return min(present) if present else None


def maximum(*values: Any) -> Any:
    present = _present(values)
    return max(present) if present else None


def round_half_away(value: Any, digits: Any = 0) -> Any:
    """Round half away from zero on the decimal value: round(2.675, 2) is 2.68, not 2.67."""
    if not _is_number(value) or digits.__class__ is not int:
        return None
    if value.__class__ is int and digits >= 0:
        return value
    try:
        rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    except InvalidOperation:
        return value  # more digits than the number has
    if rounded == rounded.to_integral_value():
        return int(rounded)
    return float(rounded)


def lower(value: Any) -> Any:
    return value.lower() if value.__class__ is str else None


def upper(value: Any) -> Any:
    return value.upper() if value.__class__ is str else None


def contains(text: Any, part: Any) -> Any:
    if text.__class__ is str and part.__class__ is str:
        return part in text
    return None


def starts_with(text: Any, part: Any) -> Any:
    if text.__class__ is str and part.__class__ is str:
        return text.startswith(part)
    return None


def length(value: Any) -> Any:
    if value.__class__ in (str, list, tuple):
        return len(value)
    return None


def coalesce(*values: Any) -> Any:
    """rules-language §4: the first present value."""
    for value in values:
        if value is not None:
            return value
    return None


# The record's key for field freshness (rules-language §3, `updated`/`source`).
FRESHNESS_KEY = "__freshness__"


def _stamp(record: Mapping[str, Any], name: str) -> tuple[Any, Any] | None:
    stamps = record.get(FRESHNESS_KEY)
    if not isinstance(stamps, Mapping):
        return None
    stamp = stamps.get(name)
    if isinstance(stamp, tuple | list) and len(stamp) == 2:
        return stamp[0], stamp[1]
    return None


def updated(record: Mapping[str, Any], name: str) -> date | None:
    """The date field `name` last changed; missing when the record says nothing of it."""
    stamp = _stamp(record, name)
    return to_date(stamp[0]) if stamp is not None else None


def source(record: Mapping[str, Any], name: str) -> str | None:
    """Where field `name`'s value came from (`page`, `import`, `api`, `connector`...)."""
    stamp = _stamp(record, name)
    return stamp[1] if stamp is not None and stamp[1].__class__ is str else None
