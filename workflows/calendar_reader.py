"""Working calendar files (docs/templates.md, "Calendars"): read and checked into a `Calendar`.

Pure: no I/O, no clock. A calendar file names the weekend, the holidays (dates or ranges) and the
make-up working days (a weekend day worked instead, as China's official holiday schedule has
them), each with an optional name in both languages. Every problem is a positioned diagnostic;
`load_calendar` raises them together as a `CalendarError`, `check_calendar` returns them. A file
is bounded: at most `MAX_CALENDAR_DAYS` dates (a range counts each of its days), each range at most
`MAX_RANGE_DAYS` long, every date in the years `FIRST_YEAR` to `LAST_YEAR`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

import dsl
from dsl import Diagnostic, DiagnosticsError, Span, YamlMap
from dsl.diagnostics import error, has_errors, warning
from dsl.texts import N_, Text, described, did_you_mean, text
from workflows.calendar import Calendar
from workflows.reading import check_keys, expect_list, expect_map, expected_found, require

MAX_CALENDAR_DAYS: Final = 3660
MAX_RANGE_DAYS: Final = 366
FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
WEEKDAY_NAMES: Final = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
TOP_KEYS: Final = ("calendar", "label", "weekend", "holidays", "workdays")
DAY_KEYS: Final = ("date", "from", "to", "name")
LANGUAGES: Final = ("en", "zh")
DEFAULT_WEEKEND: Final = frozenset({5, 6})

_NAME = re.compile(r"[a-z][a-z0-9_]{0,49}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class CalendarError(DiagnosticsError):
    """A calendar file that cannot be loaded; `diagnostics` lists every problem found."""


def load_calendar(source: str, *, filename: str) -> Calendar:
    """The calendar `source` defines, checked completely. Raises `CalendarError` listing every
    error and warning when there is an error."""
    calendar, diagnostics = read_calendar(source, filename=filename)
    if calendar is None or has_errors(diagnostics):
        raise CalendarError(list(diagnostics))
    return calendar


def check_calendar(source: str, *, filename: str) -> tuple[Diagnostic, ...]:
    """Every error and warning of a calendar file (as `load_calendar` finds them); never raises."""
    return read_calendar(source, filename=filename)[1]


def read_calendar(source: str, *, filename: str) -> tuple[Calendar | None, tuple[Diagnostic, ...]]:
    """The calendar (None when it could not be read at all) and every error and warning, in file
    order; the calendar is usable only when no diagnostic is an error."""
    try:
        document = dsl.load_yaml(source, filename=filename)
    except DiagnosticsError as exc:
        return None, tuple(exc.diagnostics)
    reader = _Reader(filename)
    calendar = reader.calendar(document)
    return calendar, tuple(sorted(reader.diagnostics, key=_position))


def _position(diagnostic: Diagnostic) -> tuple[int, int]:
    span = diagnostic.span
    return (span.line, span.column) if span is not None else (0, 0)


@dataclass(frozen=True, slots=True)
class _Day:
    """A date as the file lists it: where, and under which name."""

    span: Span
    name: Mapping[str, str]


class _Reader:
    """Reads one calendar document, collecting diagnostics instead of stopping at the first."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.diagnostics: list[Diagnostic] = []
        self.counted = 0
        self.is_over_limit = False

    def error(self, code: str, message: Text, span: Span, hint: Text | None = None) -> None:
        self.diagnostics.append(error(code, message, span, hint))

    def calendar(self, document: Any) -> Calendar | None:
        top = expect_map(
            document,
            getattr(document, "span", Span.point(self.filename, 1, 1)),
            what=text(N_("a calendar (a mapping with calendar, weekend, holidays and workdays)")),
            diagnostics=self.diagnostics,
        )
        if top is None:
            return None
        check_keys(
            top, allowed=TOP_KEYS, where=text(N_("in a calendar")), diagnostics=self.diagnostics
        )
        start = Span.point(self.filename, top.span.line, top.span.column)
        name: str | None = None
        if require(
            top,
            ("calendar",),
            where=text(N_("in the calendar")),
            span=start,
            diagnostics=self.diagnostics,
        ):
            name = self.calendar_name(top)
        label = self.label(top, "label") if "label" in top else {}
        weekend = self.weekend(top) if "weekend" in top else DEFAULT_WEEKEND
        holidays = self.days(top, "holidays")
        workdays = self.days(top, "workdays")
        self.check_lists(holidays, workdays, weekend)
        if name is None:
            return None
        names = {day: listed.name for day, listed in holidays.items() if listed.name}
        names.update({day: listed.name for day, listed in workdays.items() if listed.name})
        return Calendar(
            name=name,
            weekend=frozenset(weekend),
            holidays=frozenset(holidays),
            workdays=frozenset(workdays),
            label=MappingProxyType(label or dict.fromkeys(LANGUAGES, name)),
            day_names=MappingProxyType(names),
        )

    def calendar_name(self, top: YamlMap) -> str | None:
        value = top["calendar"]
        if isinstance(value, str) and _NAME.fullmatch(value):
            return value
        self.error(
            "bad-id",
            text(
                N_(
                    "the calendar's name must be lower-case letters, digits and '_', starting "
                    "with a letter, found %(found)s"
                ),
                found=described(value),
            ),
            top.value_span("calendar"),
        )
        return None

    def label(self, mapping: YamlMap, key: str) -> dict[str, str]:
        """A text for every language, or language → text; what could be read of it."""
        value = mapping[key]
        if isinstance(value, str) and value.strip():
            return dict.fromkeys(LANGUAGES, value)
        texts = expect_map(
            value,
            mapping.value_span(key),
            what=text(N_("a label: text, or a mapping of language (en, zh) to text")),
            diagnostics=self.diagnostics,
        )
        if texts is None:
            return {}
        result: dict[str, str] = {}
        for language, written in texts.items():
            if language not in LANGUAGES:
                self.error(
                    "unknown-language",
                    text(
                        N_("unknown language '%(language)s' in a label%(did_you_mean)s"),
                        language=language,
                        did_you_mean=did_you_mean(str(language), LANGUAGES),
                    ),
                    texts.key_span(language),
                    hint=text(
                        N_("labels are written in: %(languages)s"), languages=", ".join(LANGUAGES)
                    ),
                )
            elif isinstance(written, str) and written.strip():
                result[language] = written
            else:
                self.error(
                    "wrong-type",
                    expected_found(text(N_("the label's text")), written),
                    texts.value_span(language),
                )
        if not texts:
            self.error("wrong-type", text(N_("a label needs at least one language")), texts.span)
        return result

    def weekend(self, top: YamlMap) -> frozenset[int]:
        items = expect_list(
            top["weekend"],
            top.value_span("weekend"),
            what=text(N_("a list of weekday names, such as [saturday, sunday]")),
            diagnostics=self.diagnostics,
        )
        if items is None:
            return DEFAULT_WEEKEND
        found: set[int] = set()
        for index, item in enumerate(items):
            span = items.item_span(index)
            if not isinstance(item, str) or item.lower() not in WEEKDAY_NAMES:
                self.error(
                    "bad-weekday",
                    text(
                        N_("%(found)s is not a day of the week%(did_you_mean)s"),
                        found=described(item),
                        did_you_mean=did_you_mean(str(item).lower(), WEEKDAY_NAMES),
                    ),
                    span,
                    hint=text(N_("expected one of: %(names)s"), names=", ".join(WEEKDAY_NAMES)),
                )
                continue
            day = WEEKDAY_NAMES.index(item.lower())
            if day in found:
                self.error(
                    "duplicate",
                    text(N_("'%(day)s' is listed twice in the weekend"), day=item),
                    span,
                )
            found.add(day)
        if len(found) == len(WEEKDAY_NAMES):
            self.error(
                "no-working-day",
                text(N_("every day of the week is in the weekend: no day would be a working day")),
                top.value_span("weekend"),
            )
        return frozenset(found)

    # --- holidays and workdays ---------------------------------------------------------------

    def days(self, top: YamlMap, key: str) -> dict[dt.date, _Day]:
        """The dates listed under `key`, each once (a date listed again is reported)."""
        result: dict[dt.date, _Day] = {}
        if key not in top:
            return result
        items = expect_list(
            top[key],
            top.value_span(key),
            what=text(N_("a list of dates, ranges {from: ..., to: ...} or {date: ..., name: ...}")),
            diagnostics=self.diagnostics,
        )
        if items is None:
            return result
        for index, item in enumerate(items):
            span = items.item_span(index)
            for day, name in self.entry(item, span, key):
                if day in result:
                    first = result[day].span
                    self.error(
                        "duplicate-date",
                        text(
                            N_("%(date)s is listed twice in %(list)s (first on line %(line)d)"),
                            date=day.isoformat(),
                            list=key,
                            line=first.line,
                        ),
                        span,
                    )
                    continue
                result[day] = _Day(span, name)
        return result

    def entry(self, item: Any, span: Span, key: str) -> list[tuple[dt.date, Mapping[str, str]]]:
        """The dates of one entry: a date, {date, name} or {from, to, name}."""
        if not isinstance(item, YamlMap):
            day = self.date(item, span)
            return [] if day is None else [(d, {}) for d in self.counted_days([day], span)]
        check_keys(
            item,
            allowed=DAY_KEYS,
            where=text(N_("in an entry of %(list)s"), list=key),
            diagnostics=self.diagnostics,
        )
        name = self.label(item, "name") if "name" in item else {}
        point = Span.point(self.filename, item.span.line, item.span.column)
        if "date" in item:
            if "from" in item or "to" in item:
                self.error(
                    "conflicting-keys",
                    text(N_("an entry has either 'date' or 'from' and 'to', not both")),
                    item.key_span("from" if "from" in item else "to"),
                )
                return []
            day = self.date(item["date"], item.value_span("date"))
            return [] if day is None else [(d, name) for d in self.counted_days([day], span)]
        if not require(
            item,
            ("from", "to"),
            where=text(N_("in a range of %(list)s (or write 'date' for one day)"), list=key),
            span=point,
            diagnostics=self.diagnostics,
        ):
            return []
        first = self.date(item["from"], item.value_span("from"))
        last = self.date(item["to"], item.value_span("to"))
        if first is None or last is None:
            return []
        if last < first:
            self.error(
                "bad-range",
                text(
                    N_("the range ends on %(end)s, before it starts on %(start)s"),
                    end=last.isoformat(),
                    start=first.isoformat(),
                ),
                item.value_span("to"),
            )
            return []
        length = (last - first).days + 1
        if length > MAX_RANGE_DAYS:
            self.error(
                "range-too-long",
                text(
                    N_("the range is %(days)d days long; a range is at most %(max)d days"),
                    days=length,
                    max=MAX_RANGE_DAYS,
                ),
                span,
            )
            return []
        days = [first + dt.timedelta(days=n) for n in range(length)]
        return [(d, name) for d in self.counted_days(days, span)]

    def counted_days(self, days: list[dt.date], span: Span) -> list[dt.date]:
        """`days`, counted against `MAX_CALENDAR_DAYS` (reported once, where it is passed)."""
        if self.is_over_limit:
            return []
        self.counted += len(days)
        if self.counted > MAX_CALENDAR_DAYS:
            self.is_over_limit = True
            self.error(
                "too-many-dates",
                text(N_("a calendar lists at most %(max)d dates"), max=MAX_CALENDAR_DAYS),
                span,
                hint=text(N_("keep a few years in the file, and remove the years gone by")),
            )
            return []
        return days

    def date(self, value: Any, span: Span) -> dt.date | None:
        """A date written as 2026-10-01 (quoted or not), in the years the file may hold."""
        day: dt.date | None = None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            day = value
        elif isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
            try:
                day = dt.date.fromisoformat(value.strip())
            except ValueError:
                day = None
        if day is None:
            self.error(
                "bad-date",
                text(
                    N_("expected a date such as 2026-10-01, found %(found)s"),
                    found=described(value),
                ),
                span,
            )
            return None
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            self.error(
                "date-out-of-range",
                text(
                    N_("%(date)s is outside the years a calendar may hold (%(first)d to %(last)d)"),
                    date=day.isoformat(),
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                ),
                span,
            )
            return None
        return day

    def check_lists(
        self,
        holidays: Mapping[dt.date, _Day],
        workdays: Mapping[dt.date, _Day],
        weekend: frozenset[int],
    ) -> None:
        """A date is a holiday or a make-up working day, not both; a make-up day off the weekend
        changes nothing (a warning)."""
        for day, listed in workdays.items():
            if day in holidays:
                self.error(
                    "date-both-holiday-and-workday",
                    text(
                        N_("%(date)s is both a holiday (line %(line)d) and a make-up working day"),
                        date=day.isoformat(),
                        line=holidays[day].span.line,
                    ),
                    listed.span,
                )
            elif day.weekday() not in weekend:
                self.diagnostics.append(
                    warning(
                        "workday-not-on-weekend",
                        text(
                            N_(
                                "%(date)s is a %(weekday)s, a working day anyway: a make-up "
                                "working day is a day of the weekend"
                            ),
                            date=day.isoformat(),
                            weekday=WEEKDAY_NAMES[day.weekday()],
                        ),
                        listed.span,
                    )
                )
