"""Working calendars of the workspace: the calendar files its templates published, the default one,
and the days of a calendar as the calendar page and API show them.

A calendar is published by a template import as a `spec_versions` row of kind `calendar` (its
source is the file, the truth); the latest template's meta names the default
(`default_calendar`). Without one, business days are Monday to Friday (`workflows.WEEKDAYS`,
listed as `weekdays`). A calendar is read once per source checksum in this process and once per
transaction from the published set (`specs.published_set`), so a publish is seen by the next
transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from sqlmodel import Session

import workflows
from engine import specs
from engine.errors import N_, InvalidRequestError, NotFoundError
from engine.models import SpecKind, SpecVersion

BUILT_IN: Final = workflows.WEEKDAYS.name  # "weekdays": Monday to Friday, no holidays
BUILT_IN_LABEL: Final[Mapping[str, str]] = {"en": "Monday to Friday", "zh": "周一至周五"}
MAX_DAYS: Final = 366  # the days one request of `calendar_days` may span

_MEMO = "riskdesk.calendars.memo"
_cache: dict[tuple[str, str | None], workflows.Calendar] = {}
_cache_lock = threading.Lock()
_CACHE_SIZE = 64


@dataclass(frozen=True, slots=True)
class CalendarSummary:
    """A calendar as listed: its name, label (language → text), whether it is the default, and
    the published version it comes from (None for the built-in `weekdays`)."""

    name: str
    label: Mapping[str, str]
    is_default: bool
    version: int | None
    filename: str | None
    template_key: str | None


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One date of a calendar: working or not, and why. `kind` is `working` (a weekday),
    `weekend`, `holiday` or `workday` (a make-up working day); `name` is the holiday's or make-up
    day's name (language → text), or None."""

    date: date
    is_working_day: bool
    kind: str
    name: Mapping[str, str] | None


def _compiled(row: SpecVersion) -> workflows.Calendar:
    key = (row.checksum, row.filename)
    with _cache_lock:
        found = _cache.get(key)
    if found is not None:
        return found
    # checked at import; a row that no longer loads is a bug, not the user's input
    calendar = workflows.load_calendar(row.source, filename=row.filename or f"{row.key}.yaml")
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[key] = calendar
    return calendar


def _published(session: Session) -> dict[str, workflows.Calendar]:
    """The published calendars by name, read once per transaction."""
    current = specs.published_set(session)
    memo: tuple[Any, dict[str, workflows.Calendar]] | None = session.info.get(_MEMO)
    if memo is not None and memo[0] is current:
        return memo[1]
    found = {row.key: _compiled(row) for row in specs.published_rows(session, SpecKind.CALENDAR)}
    session.info[_MEMO] = (current, found)
    return found


def default_calendar_name(session: Session) -> str:
    """The name of the calendar business days count on when a workflow names none: the latest
    template's `default_calendar`, else `weekdays`."""
    template = specs.latest_template_row(session)
    name = template.meta.get("default_calendar") if template is not None else None
    if isinstance(name, str) and name in _published(session):
        return name
    return BUILT_IN


def workspace_calendar(session: Session, name: str | None = None) -> workflows.Calendar:
    """The calendar `name` (None: the workspace's default; `workflows.WEEKDAYS` when the latest
    template names none). Raises NotFoundError for a name no published calendar has."""
    wanted = default_calendar_name(session) if name is None else name
    found = _published(session).get(wanted)
    if found is not None:
        return found
    if wanted == BUILT_IN:
        return workflows.WEEKDAYS
    raise NotFoundError(N_("there is no calendar '%(name)s'"), name=wanted)


def list_calendars(session: Session) -> tuple[CalendarSummary, ...]:
    """The published calendars by name, then the built-in `weekdays` (unless a file took its
    name); the default one is marked."""
    default = default_calendar_name(session)
    rows = {row.key: row for row in specs.published_rows(session, SpecKind.CALENDAR)}
    calendars = _published(session)
    summaries = [
        CalendarSummary(
            name=name,
            label=dict(calendars[name].label),
            is_default=name == default,
            version=row.version,
            filename=row.filename,
            template_key=row.template_key,
        )
        for name, row in sorted(rows.items())
    ]
    if BUILT_IN not in rows:
        summaries.append(
            CalendarSummary(
                name=BUILT_IN,
                label=BUILT_IN_LABEL,
                is_default=default == BUILT_IN,
                version=None,
                filename=None,
                template_key=None,
            )
        )
    return tuple(summaries)


def calendar_summary(session: Session, name: str) -> CalendarSummary:
    """The listing of calendar `name`. Raises NotFoundError."""
    for summary in list_calendars(session):
        if summary.name == name:
            return summary
    raise NotFoundError(N_("there is no calendar '%(name)s'"), name=name)


def day_of(calendar: workflows.Calendar, day: date) -> CalendarDay:
    """What `calendar` says of `day`."""
    name = calendar.day_names.get(day)
    label = dict(name) if name else None
    if day in calendar.workdays:
        return CalendarDay(day, True, "workday", label)
    if day in calendar.holidays:
        return CalendarDay(day, False, "holiday", label)
    if day.weekday() in calendar.weekend:
        return CalendarDay(day, False, "weekend", None)
    return CalendarDay(day, True, "working", None)


def calendar_days(
    session: Session, name: str, *, start: date, end: date
) -> tuple[CalendarDay, ...]:
    """Every date from `start` to `end` (both included) on calendar `name`.

    Raises NotFoundError (no such calendar) and InvalidRequestError (`end` before `start`, or more
    than `MAX_DAYS` days)."""
    if end < start:
        raise InvalidRequestError(
            N_("the period ends on %(end)s, before it starts on %(start)s"),
            end=end.isoformat(),
            start=start.isoformat(),
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidRequestError(N_("ask for at most %(max)s days at once"), max=MAX_DAYS)
    calendar = workspace_calendar(session, name)
    return tuple(day_of(calendar, start + timedelta(days=n)) for n in range((end - start).days + 1))
