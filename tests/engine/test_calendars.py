"""Working calendars of a template: checked with the bundle, published with the import, the default
one found per transaction, a year's days listed."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

import dsl
import workflows
from engine.bundle import check_path, load_bundle
from engine.calendars import (
    calendar_days,
    default_calendar_name,
    list_calendars,
    workspace_calendar,
)
from engine.db import Database
from engine.errors import InvalidRequestError, NotFoundError
from engine.models import SpecKind
from engine.specs import list_specs
from engine.templates import import_template
from tests.conftest import EXAMPLE_TEMPLATE
from tests.engine.conftest import NOW


def copy_example(tmp_path: Path) -> Path:
    target = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_TEMPLATE, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rendered(path: Path) -> str:
    result = check_path(path)
    return dsl.render_all([d for d in result.diagnostics if d.span], result.sources)


def template_lines(bundle: Path, *starts: str) -> list[int]:
    lines = (bundle / "template.yaml").read_text(encoding="utf-8").splitlines()
    return [next(n for n, line in enumerate(lines, 1) if line.startswith(s)) for s in starts]


def test_the_example_bundle_carries_its_calendar_and_default() -> None:
    bundle = load_bundle(EXAMPLE_TEMPLATE)

    assert list(bundle.calendars.keys()) == ["cn"]
    assert bundle.default_calendar == "cn"
    cn = bundle.calendars["cn"]
    assert cn.filename == "calendars/cn.yaml"
    assert dt.date(2026, 10, 1) in cn.value.holidays


def test_a_broken_calendar_file_is_reported_with_its_position(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(bundle / "calendars/cn.yaml", "to: 2026-10-07,", "to: 2026-10-32,")

    assert rendered(bundle) == (
        "calendars/cn.yaml:16:28: error: expected a date such as 2026-10-01, found the text "
        "'2026-10-32'\n"
        "   16 |   - {from: 2026-10-01, to: 2026-10-32, name: {en: National Day, zh: 国庆节}}\n"
        "      |                            ^^^^^^^^^^"
    )


def test_default_calendar_must_name_a_calendar_of_the_bundle(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(bundle / "template.yaml", "default_calendar: cn", "default_calendar: hk")
    (line,) = template_lines(bundle, "default_calendar")

    assert rendered(bundle) == (
        f"template.yaml:{line}:19: error: default_calendar names 'hk', which no calendar file "
        "defines\n"
        f"{line:>5} | default_calendar: hk\n"
        "      |                   ^^\n"
        "      = hint: the calendars are: cn"
    )


def test_two_files_may_not_define_one_calendar(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    shutil.copy(bundle / "calendars/cn.yaml", bundle / "calendars/cn_copy.yaml")
    edit(
        bundle / "template.yaml",
        "calendars: [calendars/cn.yaml]",
        "calendars: [calendars/cn.yaml, calendars/cn_copy.yaml]",
    )
    (line,) = template_lines(bundle, "calendars:")

    assert rendered(bundle) == (
        f"template.yaml:{line}:32: error: the calendar 'cn' is also defined by calendars/cn.yaml\n"
        f"{line:>5} | calendars: [calendars/cn.yaml, calendars/cn_copy.yaml]\n"
        "      |                                ^^^^^^^^^^^^^^^^^^^^^^"
    )


def test_calendars_in_template_yaml_are_checked_against_its_schema(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(bundle / "template.yaml", "calendars: [calendars/cn.yaml]", "calendars: calendars/cn.yaml")

    codes = [(d.code, d.message) for d in check_path(bundle).diagnostics if d.is_error]

    assert (
        "wrong-type",
        "'calendars' must be a list of calendar files; found the text 'calendars/cn.yaml'",
    ) in codes


def test_the_import_publishes_the_calendar_and_the_default_is_used(workspace: Database) -> None:
    with workspace.transaction() as session:
        assert [
            (s.key, s.version, s.filename) for s in list_specs(session, kind=SpecKind.CALENDAR)
        ] == [("cn", 1, "calendars/cn.yaml")]
        default = workspace_calendar(session)
        assert default.name == "cn"
        assert workspace_calendar(session, "cn") is default  # read once per transaction
        assert workspace_calendar(session, "weekdays") == workflows.WEEKDAYS
        with pytest.raises(NotFoundError):
            workspace_calendar(session, "hk")
        listed = [(c.name, c.is_default, c.version, dict(c.label)) for c in list_calendars(session)]
    assert listed == [
        ("cn", True, 1, {"en": "Mainland China working days", "zh": "中国大陆工作日"}),
        ("weekdays", False, None, {"en": "Monday to Friday", "zh": "周一至周五"}),
    ]


def test_without_calendars_business_days_are_monday_to_friday(
    database: Database, tmp_path: Path
) -> None:
    bundle = copy_example(tmp_path)
    edit(bundle / "template.yaml", "calendars: [calendars/cn.yaml]\ndefault_calendar: cn\n", "")
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
    with database.transaction() as session:
        assert workspace_calendar(session) is workflows.WEEKDAYS
        assert default_calendar_name(session) == "weekdays"
        assert [(c.name, c.is_default) for c in list_calendars(session)] == [("weekdays", True)]


def test_a_new_import_of_a_changed_calendar_is_seen_by_the_next_transaction(
    workspace: Database, tmp_path: Path
) -> None:
    bundle = copy_example(tmp_path)
    edit(bundle / "calendars/cn.yaml", "workdays:\n", "workdays:\n  - 2026-12-05\n")
    with workspace.transaction() as session:
        assert not workspace_calendar(session).is_working_day(dt.date(2026, 12, 5))
    with workspace.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
    with workspace.transaction() as session:
        assert workspace_calendar(session).is_working_day(dt.date(2026, 12, 5))
        assert [c.version for c in list_calendars(session)] == [2, None]


def test_the_days_of_a_period_say_why_each_is_working_or_not(workspace: Database) -> None:
    with workspace.transaction() as session:
        days = calendar_days(session, "cn", start=dt.date(2026, 9, 30), end=dt.date(2026, 10, 10))

    assert [(d.date.day, d.kind, d.is_working_day) for d in days] == [
        (30, "working", True),
        (1, "holiday", False),
        (2, "holiday", False),
        (3, "holiday", False),
        (4, "holiday", False),
        (5, "holiday", False),
        (6, "holiday", False),
        (7, "holiday", False),
        (8, "working", True),
        (9, "working", True),
        (10, "workday", True),
    ]
    assert days[1].name == {"en": "National Day", "zh": "国庆节"}
    assert days[-1].name == {"en": "Working day for National Day", "zh": "国庆节调休上班"}


def test_a_period_is_bounded_and_ordered(workspace: Database) -> None:
    with workspace.transaction() as session:
        with pytest.raises(InvalidRequestError):
            calendar_days(session, "cn", start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 2))
        with pytest.raises(InvalidRequestError):
            calendar_days(session, "cn", start=dt.date(2026, 2, 1), end=dt.date(2026, 1, 1))
        assert (
            len(calendar_days(session, "cn", start=dt.date(2028, 1, 1), end=dt.date(2028, 12, 31)))
            == 366
        )
