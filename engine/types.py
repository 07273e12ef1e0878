"""Column types that behave the same on SQLite and PostgreSQL: UTC datetimes, JSON, money."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Numeric
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# JSON with a JSONB variant on PostgreSQL (DESIGN.md, "Known traps").
JsonType = JSON().with_variant(JSONB(), "postgresql")

# Row ids and other integer columns are INTEGER (32-bit) on PostgreSQL: a larger id names no
# row, so callers look it up not at all (a 404) instead of meeting the database's range error.
MAX_ROW_ID = 2**31 - 1


def is_row_id(value: int) -> bool:
    """Whether `value` could be the id of a stored row."""
    return 1 <= value <= MAX_ROW_ID


# Stored money: exact decimals, converted to JSON numbers at the API boundary.
MoneyType = Numeric(20, 4)
FractionType = Numeric(9, 6)
# Exchange rates to the base currency: exact, from 1e-12 (a weak currency) to 1e12.
RateType = Numeric(24, 12)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in, aware UTC datetimes out, on both backends.

    SQLite stores no offset, so values are written as naive UTC and read back as aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_dumps(value: Any) -> str:
    """The JSON serialiser of every engine: handles Decimal, dates and sets."""
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))
