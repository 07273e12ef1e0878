"""The one place in riskdesk that reads the wall clock; everything else is given `now`."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_time(text: str, *, tz: tzinfo) -> datetime:
    """An ISO time as `datetime.fromisoformat` reads it; a time without offset is read in `tz`.

    Returns an aware UTC datetime. Raises ValueError for text that is not a time.
    """
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already (as stored on SQLite)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
