"""Calendar files: what they load into, and every problem as the author sees it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import workflows
from dsl import render_all
from tests.conftest import EXAMPLE_TEMPLATE
from workflows.calendar_reader import MAX_CALENDAR_DAYS

CN = EXAMPLE_TEMPLATE / "calendars" / "cn.yaml"

SMALL = """\
calendar: plant
label: {en: Plant days, zh: 工厂工作日}
holidays:
  - 2026-05-01
  - {date: 2026-06-19, name: {en: Dragon Boat Festival, zh: 端午节}}
  - {from: 2026-10-01, to: 2026-10-03, name: National Day}
workdays:
  - {date: 2026-10-10, name: {en: Make-up day, zh: 调休上班}}
"""


def rendered(source: str, filename: str = "cal.yaml") -> str:
    diagnostics = workflows.check_calendar(source, filename=filename)
    return render_all(diagnostics, {filename: source})


def test_a_calendar_file_loads_its_dates_names_and_label() -> None:
    calendar = workflows.load_calendar(SMALL, filename="cal.yaml")

    assert calendar.name == "plant"
    assert dict(calendar.label) == {"en": "Plant days", "zh": "工厂工作日"}
    assert calendar.weekend == frozenset({5, 6})
    assert calendar.holidays == {
        dt.date(2026, 5, 1),
        dt.date(2026, 6, 19),
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 2),
        dt.date(2026, 10, 3),
    }
    assert calendar.workdays == {dt.date(2026, 10, 10)}
    assert dict(calendar.day_names[dt.date(2026, 10, 2)]) == {
        "en": "National Day",
        "zh": "National Day",
    }
    assert dict(calendar.day_names[dt.date(2026, 10, 10)]) == {
        "en": "Make-up day",
        "zh": "调休上班",
    }
    assert dt.date(2026, 5, 1) not in calendar.day_names  # listed without a name
    assert calendar.is_working_day(dt.date(2026, 10, 10))  # a Saturday, worked
    assert not calendar.is_working_day(dt.date(2026, 10, 2))


def test_a_calendar_without_a_label_is_labelled_with_its_name() -> None:
    calendar = workflows.load_calendar("calendar: plain\n", filename="cal.yaml")

    assert dict(calendar.label) == {"en": "plain", "zh": "plain"}
    assert calendar == workflows.Calendar(name="plain")


def test_the_weekend_is_read_from_day_names() -> None:
    calendar = workflows.load_calendar(
        "calendar: gulf\nweekend: [friday, Saturday]\n", filename="cal.yaml"
    )

    assert calendar.weekend == frozenset({4, 5})
    assert calendar.is_working_day(dt.date(2026, 12, 6))  # a Sunday


def test_business_days_skip_china_national_day_and_count_its_make_up_saturday() -> None:
    calendar = workflows.load_calendar(CN.read_text(encoding="utf-8"), filename="calendars/cn.yaml")

    # Wednesday 30 September + 3 business days: 1-7 October are off, Thursday 8, Friday 9, and
    # Saturday 10 October is worked instead.
    assert workflows.add_business_days(dt.date(2026, 9, 30), 3, calendar) == dt.date(2026, 10, 10)
    assert workflows.add_business_days(dt.date(2026, 9, 30), 3, workflows.WEEKDAYS) == dt.date(
        2026, 10, 5
    )


def test_the_example_calendar_holds_the_2026_official_schedule() -> None:
    calendar = workflows.load_calendar(CN.read_text(encoding="utf-8"), filename="calendars/cn.yaml")

    assert workflows.check_calendar(CN.read_text(encoding="utf-8"), filename="cn.yaml") == ()
    assert len(calendar.holidays) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert sorted(calendar.workdays) == [
        dt.date(2026, 1, 4),
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 28),
        dt.date(2026, 5, 9),
        dt.date(2026, 9, 20),
        dt.date(2026, 10, 10),
    ]
    assert all(day.weekday() >= 5 for day in calendar.workdays)
    assert {day.year for day in calendar.holidays | calendar.workdays} == {2026}
    assert calendar.day_names[dt.date(2026, 2, 17)]["zh"] == "春节"


def test_every_problem_of_a_calendar_file_is_reported_at_once() -> None:
    source = """\
calendar: Plant
lable: x
weekend: [saturday, sundy]
holidays:
  - 2026-02-30
  - {from: 2026-10-07, to: 2026-10-01}
  - {date: 2026-06-19, from: 2026-06-19}
  - 1999-01-01
  - 2026-06-19
  - 2026-06-19
workdays:
  - {date: 2026-06-19, nmae: x}
  - 2026-06-16
"""

    assert rendered(source) == (
        """\
cal.yaml:1:11: error: the calendar's name must be lower-case letters, digits and '_', \
starting with a letter, found the text 'Plant'
    1 | calendar: Plant
      |           ^^^^^
cal.yaml:2:1: error: unknown key 'lable' in a calendar; did you mean 'label'?
    2 | lable: x
      | ^^^^^
cal.yaml:3:21: error: the text 'sundy' is not a day of the week; did you mean 'sunday'?
    3 | weekend: [saturday, sundy]
      |                     ^^^^^
      = hint: expected one of: monday, tuesday, wednesday, thursday, friday, saturday, sunday
cal.yaml:5:5: error: expected a date such as 2026-10-01, found the text '2026-02-30'
    5 |   - 2026-02-30
      |     ^^^^^^^^^^
cal.yaml:6:28: error: the range ends on 2026-10-01, before it starts on 2026-10-07
    6 |   - {from: 2026-10-07, to: 2026-10-01}
      |                            ^^^^^^^^^^
cal.yaml:7:24: error: an entry has either 'date' or 'from' and 'to', not both
    7 |   - {date: 2026-06-19, from: 2026-06-19}
      |                        ^^^^
cal.yaml:8:5: error: 1999-01-01 is outside the years a calendar may hold (2000 to 2100)
    8 |   - 1999-01-01
      |     ^^^^^^^^^^
cal.yaml:10:5: error: 2026-06-19 is listed twice in holidays (first on line 9)
   10 |   - 2026-06-19
      |     ^^^^^^^^^^
cal.yaml:12:5: error: 2026-06-19 is both a holiday (line 9) and a make-up working day
   12 |   - {date: 2026-06-19, nmae: x}
      |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^
cal.yaml:12:24: error: unknown key 'nmae' in an entry of workdays; did you mean 'name'?
   12 |   - {date: 2026-06-19, nmae: x}
      |                        ^^^^
cal.yaml:13:5: warning: 2026-06-16 is a tuesday, a working day anyway: a make-up working \
day is a day of the weekend
   13 |   - 2026-06-16
      |     ^^^^^^^^^^"""
    )
    with pytest.raises(workflows.CalendarError):
        workflows.load_calendar(source, filename="cal.yaml")


def test_a_calendar_lists_a_bounded_number_of_dates() -> None:
    years = range(2000, 2000 + MAX_CALENDAR_DAYS // 300 + 2)
    ranges = "".join(f"  - {{from: {y}-01-01, to: {y}-10-27}}\n" for y in years)
    source = f"calendar: long\nholidays:\n{ranges}"

    diagnostics = workflows.check_calendar(source, filename="cal.yaml")

    assert [d.code for d in diagnostics] == ["too-many-dates"]
    assert diagnostics[0].span is not None and diagnostics[0].span.line == 3 + 12
    assert diagnostics[0].message == f"a calendar lists at most {MAX_CALENDAR_DAYS} dates"


def test_a_range_is_at_most_a_year_long() -> None:
    source = "calendar: long\nholidays:\n  - {from: 2026-01-01, to: 2027-06-30}\n"

    assert rendered(source).splitlines()[0] == (
        "cal.yaml:3:5: error: the range is 546 days long; a range is at most 366 days"
    )


def test_a_weekend_of_every_day_leaves_no_working_day() -> None:
    days = "monday, tuesday, wednesday, thursday, friday, saturday, sunday"
    source = f"calendar: never\nweekend: [{days}]\n"

    assert [d.code for d in workflows.check_calendar(source, filename="c.yaml")] == [
        "no-working-day"
    ]


def test_a_range_needs_both_ends_and_a_file_needs_its_name() -> None:
    source = "label: Plant\nholidays:\n  - {from: 2026-01-01}\n"

    assert [(d.code, d.message) for d in workflows.check_calendar(source, filename="c.yaml")] == [
        ("missing-key", "missing 'calendar' in the calendar"),
        ("missing-key", "missing 'to' in a range of holidays (or write 'date' for one day)"),
    ]


def test_a_calendar_file_that_is_not_a_mapping_is_refused() -> None:
    diagnostics = workflows.check_calendar("- 2026-01-01\n", filename="c.yaml")

    assert [d.code for d in diagnostics] == ["wrong-type"]


@pytest.mark.parametrize("path", sorted(Path(EXAMPLE_TEMPLATE / "calendars").glob("*.yaml")))
def test_every_example_calendar_loads_without_a_warning(path: Path) -> None:
    assert workflows.check_calendar(path.read_text(encoding="utf-8"), filename=path.name) == ()
