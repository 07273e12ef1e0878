"""Dates and durations at evaluation time (rules-language §3): literals, ISO text from records,
calendar arithmetic. Pure: no clock; "today" is always the `as_of` the caller passes.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class Period:
    """A duration of the language: `30 days`, `12 months`, `2 years` (calendar units)."""

    count: int
    unit: str  # "days" | "months" | "years"

    def __str__(self) -> str:
        return f"{self.count} {self.unit}"


def make_date(year: int, month: int, day: int) -> date:
    return date(year, month, day)


def make_period(count: int, unit: str) -> Period:
    return Period(count, unit)


def to_date(value: Any) -> date | None:
    """A date from a date, a datetime (its date as written) or ISO text; anything else: None.

    Record fields typed as dates arrive as JSON text (`"2024-01-31"` or
    `"2024-01-31T09:30:00+08:00"`); the checker decides statically where this applies.
    """
    cls = value.__class__
    if cls is date:
        return value  # type: ignore[no-any-return]
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    if cls is str and len(value) >= 10:
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            return datetime.fromisoformat(value).date()
        except ValueError:
            return None
    return None


def _add_months(day: date, months: int) -> date:
    """Calendar months; the 31st becomes the last day of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def shift(day: date, period: Period, sign: int) -> date:
    """`day + period` (sign 1) or `day - period` (sign -1). Raises OverflowError out of range."""
    count = period.count * sign
    if period.unit == "days":
        return day + timedelta(days=count)
    months = count if period.unit == "months" else count * 12
    return _add_months(day, months)


def date_chain(first: Any, *rest: Any) -> date | None:
    """`d + 30 days - 1 years` as date_chain(d, 1, P30d, -1, P1y); missing for anything else."""
    day = to_date(first)
    if day is None:
        return None
    for index in range(0, len(rest), 2):
        period = rest[index + 1]
        if period.__class__ is not Period:
            return None
        try:
            day = shift(day, period, rest[index])
        except OverflowError:
            return None
    return day


def days_since(value: Any, as_of: date | None) -> int | None:
    day = event_or_date(value)
    if day is None or as_of is None:
        return None
    return (as_of - day).days


def days_until(value: Any, as_of: date | None) -> int | None:
    day = event_or_date(value)
    if day is None or as_of is None:
        return None
    return (day - as_of).days


def years_since(value: Any, as_of: date | None) -> int | None:
    """Completed years, like an age: 2020-07-01 → 2025-06-30 is 4."""
    day = event_or_date(value)
    if day is None or as_of is None:
        return None
    years = as_of.year - day.year
    if (as_of.month, as_of.day) < (day.month, day.day):
        years -= 1
    return years


def event_or_date(value: Any) -> date | None:
    """A date, ISO text, or an event (`days_since(last(lawsuit))`: the event's date)."""
    occurred = getattr(value, "occurred_on", None)
    if occurred is not None:
        return occurred  # type: ignore[no-any-return]
    return to_date(value)
