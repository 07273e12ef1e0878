"""Working calendars and deadlines counted on them: weekdays, holidays, make-up working days.

Pure: no clock, no I/O. A `Calendar` is a value (the engine builds it from a template's calendar
file); `add_duration` turns a start moment and a `Duration` into the moment it ends, counting
business days in the workspace time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from workflows.model import Duration

SATURDAY, SUNDAY = 5, 6


@dataclass(frozen=True, slots=True)
class Calendar:
    """Which dates are working days: every date whose weekday is not in `weekend`, except the
    `holidays`, plus the `workdays` (make-up working days on a weekend, as China's official
    holiday schedule has them)."""

    name: str = "weekdays"
    weekend: frozenset[int] = frozenset({SATURDAY, SUNDAY})
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() not in self.weekend and day not in self.holidays

    def working_days(self, start: dt.date, end: dt.date) -> Iterable[dt.date]:
        """The working days from `start` to `end`, both included."""
        day = start
        while day <= end:
            if self.is_working_day(day):
                yield day
            day += dt.timedelta(days=1)


WEEKDAYS = Calendar()

# A calendar with no working day at all would make a business-day deadline never come: the
# search for the next working day stops after this many days (ten years), and raises.
_MAX_SEARCH_DAYS = 3660


def add_business_days(day: dt.date, count: int, calendar: Calendar) -> dt.date:
    """The `count`-th working day after `day` (`day` itself not counted, working or not)."""
    found = 0
    for _ in range(_MAX_SEARCH_DAYS * max(1, count)):
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            found += 1
            if found == count:
                return day
    raise ValueError(f"calendar '{calendar.name}' has no working day to count on")


def add_duration(
    start: dt.datetime,
    duration: Duration,
    *,
    calendar: Calendar = WEEKDAYS,
    tz: dt.tzinfo = dt.UTC,
) -> dt.datetime:
    """When `duration` from `start` ends. Minutes, hours and days are fixed lengths; `N bd` is
    the same local time of day (in `tz`) on the N-th working day after `start`'s local date.
    The result is in `start`'s time zone (UTC for a naive `start`, which is read as UTC)."""
    moment = start if start.tzinfo is not None else start.replace(tzinfo=dt.UTC)
    fixed = duration.fixed()
    if fixed is not None:
        return moment + fixed
    local = moment.astimezone(tz)
    day = add_business_days(local.date(), duration.amount, calendar)
    ended = dt.datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=tz)
    return ended.astimezone(moment.tzinfo)


def subtract_duration(
    end: dt.datetime,
    duration: Duration,
    *,
    calendar: Calendar = WEEKDAYS,
    tz: dt.tzinfo = dt.UTC,
) -> dt.datetime:
    """The moment `duration` before `end` (a reminder before a deadline): fixed lengths are
    subtracted; `N bd` is the same local time on the N-th working day before `end`'s local date."""
    moment = end if end.tzinfo is not None else end.replace(tzinfo=dt.UTC)
    fixed = duration.fixed()
    if fixed is not None:
        return moment - fixed
    local = moment.astimezone(tz)
    day, found = local.date(), 0
    for _ in range(_MAX_SEARCH_DAYS * max(1, duration.amount)):
        day -= dt.timedelta(days=1)
        if calendar.is_working_day(day):
            found += 1
            if found == duration.amount:
                began = dt.datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=tz)
                return began.astimezone(moment.tzinfo)
    raise ValueError(f"calendar '{calendar.name}' has no working day to count on")
