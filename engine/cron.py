"""Cron expressions of template schedules: checked, and their next fire time as a pure function
of the crontab text, the time zone and a moment. No I/O, no clock.

The text is a standard five-field crontab (minute hour day-of-month month day-of-week), read by
APScheduler 3's `CronTrigger`. Two places where APScheduler 3 departs from crontab are settled
here rather than left to surprise a template author:
- day-of-week numbers: crontab counts 0 (or 7) as Sunday, APScheduler 3 as Monday; numbers
  are translated to day names (`1-5` → `mon,tue,wed,thu,fri`) before APScheduler reads them;
- a day of the month *and* a day of the week: crontab fires on either, APScheduler on both;
  such an expression is refused as ambiguous.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

# crontab's day numbers, 0 and 7 both Sunday
_DAY_NAMES: Final = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CHECKED_FROM: Final = datetime(2000, 1, 1, tzinfo=UTC)
_NUMERIC_ITEM: Final = re.compile(r"^(?:(\*)|(\d+)(?:-(\d+))?)(?:/(\d+))?$")


class CronError(ValueError):
    """A crontab expression or time zone that cannot be used; `str()` says why, in English."""


def _weekdays(field: str) -> str:
    """A crontab day-of-week field with its numbers (and stepped `*`) as APScheduler day names."""
    if field == "*":
        return field
    items = []
    for item in field.split(","):
        match = _NUMERIC_ITEM.match(item)
        if match is None:
            items.append(item)  # names (mon-fri) mean the same in both
            continue
        star, first, last, step = match.groups()
        if star and step is None:
            return "*"
        low = 0 if star else int(first)
        high = 6 if star else int(last) if last is not None else low
        if last is None and step is not None and not star:
            high = 6  # crontab: `1/2` runs from 1 to the end
        if not 0 <= low <= 7 or not 0 <= high <= 7 or low > high:
            raise CronError(f"'{item}' is not a day of the week (0-7, 0 and 7 are Sunday)")
        stride = int(step) if step is not None else 1
        if stride < 1:
            raise CronError(f"'{item}' has a step of 0")
        items.extend(_DAY_NAMES[day] for day in range(low, high + 1, stride))
    return ",".join(dict.fromkeys(items))


def timezone_of(name: str) -> ZoneInfo:
    """The IANA time zone `name` (Asia/Shanghai, UTC). Raises CronError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CronError(f"'{name}' is not a known time zone (such as Asia/Shanghai)") from exc


def is_timezone(name: str) -> bool:
    """Whether `name` is a known IANA time zone."""
    try:
        timezone_of(name)
    except CronError:
        return False
    return True


@lru_cache(maxsize=256)
def trigger(cron: str, timezone: str) -> CronTrigger:
    """The APScheduler trigger of the crontab text `cron` in `timezone` (cached: it is a value).

    Raises CronError naming what is wrong."""
    fields = cron.split()
    if len(fields) != 5:
        raise CronError(
            f"a crontab expression has 5 fields (minute hour day month weekday), not {len(fields)}"
        )
    minute, hour, day, month, weekday = fields
    if day != "*" and weekday != "*":
        raise CronError(
            "give either a day of the month or a day of the week, not both "
            "(crontab fires on either, which is rarely what is meant)"
        )
    zone = timezone_of(timezone)
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_weekdays(weekday),
            timezone=zone,
        )
    except CronError:
        raise
    except ValueError as exc:
        raise CronError(str(exc)) from exc


def cron_problem(cron: str, timezone: str) -> str | None:
    """Why `cron` in `timezone` cannot be used (English), or None when it can."""
    try:
        # from a fixed moment, so the answer does not depend on the day it is asked
        next_fire_at(cron, timezone=timezone, after=_CHECKED_FROM)
    except CronError as exc:
        return str(exc)
    return None


def next_fire_at(cron: str, *, timezone: str, after: datetime) -> datetime:
    """The first time strictly after `after` (aware) at which `cron` fires in `timezone`, in UTC.

    Raises CronError for an unusable expression, and when it never fires again (Feb 30)."""
    if after.tzinfo is None:
        raise ValueError("after must be an aware datetime")
    found = trigger(cron, timezone).get_next_fire_time(None, after + timedelta(microseconds=1))
    if not isinstance(found, datetime):
        raise CronError(f"'{cron}' never fires")
    return found.astimezone(UTC)
