"""Next fire times of crontab expressions: a pure function of the text, the time zone and a
moment (engine.cron)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from engine.cron import CronError, cron_problem, next_fire_at

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 2026-12-01 is a Tuesday


def test_nightly_fires_at_the_next_two_o_clock_in_utc() -> None:
    assert next_fire_at("0 2 * * *", timezone="UTC", after=TUESDAY) == datetime(
        2026, 12, 2, 2, 0, tzinfo=UTC
    )


def test_nightly_in_shanghai_is_two_o_clock_there_which_is_six_pm_utc() -> None:
    assert next_fire_at("0 2 * * *", timezone="Asia/Shanghai", after=TUESDAY) == datetime(
        2026, 12, 1, 18, 0, tzinfo=UTC
    )


def test_the_next_fire_time_is_strictly_after_the_moment_given() -> None:
    slot = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    assert next_fire_at("0 2 * * *", timezone="UTC", after=slot) == slot + timedelta(days=1)
    just_before = slot - timedelta(microseconds=1)
    assert next_fire_at("0 2 * * *", timezone="UTC", after=just_before) == slot


def test_the_answer_is_in_utc_whatever_zone_the_moment_is_given_in() -> None:
    shanghai_morning = TUESDAY.astimezone(timezone(timedelta(hours=8)))
    found = next_fire_at("30 * * * *", timezone="Asia/Shanghai", after=shanghai_morning)
    assert found == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert found.tzinfo is UTC


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        # crontab day numbers: 0 and 7 are Sunday (APScheduler 3 alone would read 0 as Monday)
        ("0 9 * * 0", datetime(2026, 12, 6, 9, 0, tzinfo=UTC)),
        ("0 9 * * 7", datetime(2026, 12, 6, 9, 0, tzinfo=UTC)),
        ("0 9 * * 1", datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),
        ("0 9 * * 1-5", datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),  # Wednesday
        ("0 9 * * 6,0", datetime(2026, 12, 5, 9, 0, tzinfo=UTC)),  # Saturday
        ("0 9 * * */2", datetime(2026, 12, 3, 9, 0, tzinfo=UTC)),  # Sun, Tue, Thu, Sat
        ("0 9 * * sat", datetime(2026, 12, 5, 9, 0, tzinfo=UTC)),
        ("0 0 1 * *", datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
        ("*/15 * * * *", datetime(2026, 12, 1, 9, 15, tzinfo=UTC)),
    ],
)
def test_crontab_fields_mean_what_crontab_says(cron: str, expected: datetime) -> None:
    assert next_fire_at(cron, timezone="UTC", after=TUESDAY) == expected


def test_a_fixed_offset_zone_without_daylight_saving_keeps_its_offset_all_year() -> None:
    for month in (1, 7):
        after = datetime(2026, month, 10, 12, 0, tzinfo=UTC)
        assert next_fire_at("0 2 * * *", timezone="Asia/Shanghai", after=after) == datetime(
            2026, month, 10, 18, 0, tzinfo=UTC
        )
        assert next_fire_at("0 2 * * *", timezone="Etc/GMT-3", after=after) == datetime(
            2026, month, 10, 23, 0, tzinfo=UTC
        )


@pytest.mark.parametrize(
    ("cron", "zone", "problem"),
    [
        (
            "0 2 * *",
            "UTC",
            "a crontab expression has 5 fields (minute hour day month weekday), not 4",
        ),
        (
            "61 2 * * *",
            "UTC",
            "Error validating expression '61': the last value (61) is higher than the maximum "
            "value (59)",
        ),
        ("0 2 * * 8", "UTC", "'8' is not a day of the week (0-7, 0 and 7 are Sunday)"),
        (
            "0 2 1 * 1",
            "UTC",
            "give either a day of the month or a day of the week, not both (crontab fires on "
            "either, which is rarely what is meant)",
        ),
        ("0 0 30 2 *", "UTC", "'0 0 30 2 *' never fires"),
        ("0 2 * * *", "Mars/Base", "'Mars/Base' is not a known time zone (such as Asia/Shanghai)"),
    ],
)
def test_an_unusable_expression_says_why(cron: str, zone: str, problem: str) -> None:
    assert cron_problem(cron, zone) == problem
    with pytest.raises(CronError):
        next_fire_at(cron, timezone=zone, after=TUESDAY)


def test_leap_day_is_usable_and_fires_in_the_next_leap_year() -> None:
    assert cron_problem("0 0 29 2 *", "UTC") is None
    assert next_fire_at("0 0 29 2 *", timezone="UTC", after=TUESDAY) == datetime(
        2028, 2, 29, tzinfo=UTC
    )
