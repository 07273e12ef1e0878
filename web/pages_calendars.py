"""The working calendar pages: the calendars business-day deadlines count on, and one calendar's
year month by month (working days, weekends, holidays, make-up working days, with their names).

Anyone who may read customers sees them (their cases' deadlines count on these days). What a
month shows is built here from the engine's days (engine.calendars.calendar_days).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from babel.dates import get_day_names, get_month_names
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from engine.calendars import CalendarDay, calendar_days, calendar_summary, list_calendars
from web.deps import DbDep, NowDep, PageReader, SettingsDep
from web.i18n import PageLanguageDep
from web.pages import render
from workflows.calendar_reader import FIRST_YEAR, LAST_YEAR

router = APIRouter(include_in_schema=False)

CalendarName = Annotated[str, Path(pattern="^[a-z][a-z0-9_]*$", max_length=50)]
_LOCALES = {"en": "en", "zh": "zh_Hans_CN"}


@router.get("/calendars")
def calendars_page(request: Request, user: PageReader, database: DbDep) -> Response:
    with database.transaction() as session:
        calendars = list_calendars(session)
    return render(request, "calendars.html", {"calendars": calendars})


@router.get("/calendars/{name}")
def calendar_page(
    request: Request,
    name: CalendarName,
    user: PageReader,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: PageLanguageDep,
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)] = None,
) -> Response:
    """One calendar's year (default: this year in the workspace's time zone)."""
    shown = year or now.astimezone(settings.tz).year
    with database.transaction() as session:
        summary = calendar_summary(session, name)
        days = calendar_days(session, name, start=date(shown, 1, 1), end=date(shown, 12, 31))
    context = {
        "calendar": summary,
        "year": shown,
        "previous_year": shown - 1 if shown > FIRST_YEAR else None,
        "next_year": shown + 1 if shown < LAST_YEAR else None,
        "weekdays": _weekday_names(language),
        "months": _months(days, language),
        "named_days": _named_periods(days, language),
    }
    return render(request, "calendar.html", context)


def _said(label: Any, language: str) -> str:
    if not label:
        return ""
    return str(label.get(language) or label.get("en") or next(iter(label.values()), ""))


def _named_periods(days: tuple[CalendarDay, ...], language: str) -> list[dict[str, Any]]:
    """The named holidays and make-up working days, consecutive days of one name and kind as one
    period: `{start, end, kind, name}`."""
    periods: list[dict[str, Any]] = []
    for day in days:
        if not day.name:
            continue
        name = _said(day.name, language)
        last = periods[-1] if periods else None
        if (
            last is not None
            and (last["kind"], last["name"]) == (day.kind, name)
            and (day.date - last["end"]).days == 1
        ):
            last["end"] = day.date
        else:
            periods.append({"start": day.date, "end": day.date, "kind": day.kind, "name": name})
    return periods


def _weekday_names(language: str) -> list[str]:
    names = get_day_names("abbreviated", locale=_LOCALES.get(language, "en"))
    return [str(names[n]) for n in range(7)]  # Monday first, as ISO weeks


def _months(days: tuple[CalendarDay, ...], language: str) -> list[dict[str, Any]]:
    """The months of `days` (one year), each as weeks of seven cells, Monday first; a cell is
    None outside the month."""
    names = get_month_names("wide", locale=_LOCALES.get(language, "en"))
    months: list[dict[str, Any]] = []
    for day in days:
        if day.date.day == 1:
            months.append(
                {"number": day.date.month, "name": str(names[day.date.month]), "weeks": []}
            )
            months[-1]["weeks"].append([None] * day.date.weekday())
        weeks = months[-1]["weeks"]
        if len(weeks[-1]) == 7:
            weeks.append([])
        weeks[-1].append(
            {
                "date": day.date,
                "day": day.date.day,
                "kind": day.kind,
                "is_working_day": day.is_working_day,
                "name": _said(day.name, language),
            }
        )
    for month in months:
        month["weeks"][-1] += [None] * (7 - len(month["weeks"][-1]))
    return months
