"""The one place in riskdesk that reads the wall clock; everything else is given `now`.

Times the engine accepts from outside (event times, sweep times) lie in `EARLIEST`..`LATEST`:
far enough from the calendar's ends that adding a review period or an SLA never overflows.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, tzinfo
from typing import Final

EARLIEST: Final = datetime(1900, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(3000, 1, 1, tzinfo=UTC)  # exclusive


def utcnow() -> datetime:
    return datetime.now(UTC)


def monotonic() -> float:
    """Seconds on a clock that never goes back (for waits, such as the scheduler's backoff)."""
    return time.monotonic()


def parse_time(text: str, *, tz: tzinfo) -> datetime:
    """An ISO time as `datetime.fromisoformat` reads it; a time without offset is read in `tz`.

    Returns an aware UTC datetime within `EARLIEST`..`LATEST`. Raises ValueError, with a message
    naming the text, for text that is not a time or a time outside that range (such as
    `9999-12-31T23:59:59-12:00`, which has no UTC equivalent).
    """
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"'{text}' is not an ISO 8601 time") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return in_range(value)


def in_range(value: datetime) -> datetime:
    """`value` (aware, or naive UTC) in UTC. Raises ValueError when it lies outside
    `EARLIEST`..`LATEST`, naming the range."""
    try:
        utc = as_utc(value)
    except OverflowError as exc:
        raise ValueError(_outside(value)) from exc
    if not EARLIEST <= utc < LATEST:
        raise ValueError(_outside(value))
    return utc


def _outside(value: datetime) -> str:
    return (
        f"'{value.isoformat()}' is outside the supported times "
        f"({EARLIEST.year} to {LATEST.year - 1}, in UTC)"
    )


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already (as stored on SQLite)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
