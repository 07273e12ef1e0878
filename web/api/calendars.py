"""Working calendars: the calendars business-day deadlines count on, and the days of one of them
(anyone who may read customers: their cases' deadlines count on them)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from engine.calendars import calendar_days, calendar_summary, list_calendars
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, NowDep, Reader, SettingsDep
from web.schemas_calendars import (
    CalendarDayPublic,
    CalendarDaysPublic,
    CalendarPublic,
    CalendarsPublic,
)

router = APIRouter(tags=["calendars"], route_class=StrictJSONRoute)

CalendarName = Annotated[str, Path(pattern="^[a-z][a-z0-9_]*$", max_length=50)]


@router.get("/calendars", response_model=CalendarsPublic)
def get_calendars(user: Reader, database: DbDep) -> CalendarsPublic:
    """The published calendars and the built-in `weekdays`; `default` is the one business days
    count on when a workflow names none."""
    with database.transaction() as session:
        calendars = list_calendars(session)
    default = next(c.name for c in calendars if c.is_default)
    return CalendarsPublic(
        default=default, calendars=[CalendarPublic.model_validate(c) for c in calendars]
    )


@router.get("/calendars/{name}", response_model=CalendarDaysPublic, response_model_by_alias=True)
def get_calendar(
    name: CalendarName,
    user: Reader,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> CalendarDaysPublic:
    """Each date from `from` to `to` (default: this year, in the workspace's time zone), at
    most 366 days: working or not, and the holiday's or make-up day's name."""
    year = now.astimezone(settings.tz).year
    first = start or (date(end.year, 1, 1) if end else date(year, 1, 1))
    last = end or date(first.year, 12, 31)
    with database.transaction() as session:
        summary = calendar_summary(session, name)
        days = calendar_days(session, name, start=first, end=last)
    return CalendarDaysPublic(
        name=summary.name,
        label=dict(summary.label),
        start=first,
        end=last,
        days=[CalendarDayPublic.model_validate(d) for d in days],
    )
