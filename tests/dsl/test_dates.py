"""Date and duration literals, and date fields that arrive as ISO text (rules-language §1, §3)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

import dsl
from dsl import FieldInfo, ValueType
from tests.dsl.conftest import AS_OF, evaluate, messages_of, ruleset
from tests.dsl.test_paths_agree import SlowPathOnly

SCHEMA: dsl.Schema = {"next_review_at": FieldInfo(ValueType.DATE)}


def test_a_date_literal_is_a_date_not_a_subtraction() -> None:
    compiled = dsl.compile_expression("2026-06-30", filename="e")
    assert compiled.evaluate({}) == date(2026, 6, 30)
    assert compiled.value_type is ValueType.DATE


@pytest.mark.parametrize("text", ["2024-1-1", "2024-01-1", "24-01-01", "2024-01-01x"])
def test_anything_else_that_looks_like_a_date_is_an_error(text: str) -> None:
    with pytest.raises(dsl.RulesError) as caught:
        dsl.compile_expression(f"d > {text}", filename="g")
    assert dsl.render_all(caught.value.diagnostics, {"g": f"d > {text}"}) == (
        f"g:1:5: error: '{text}' is not a date: write dates as YYYY-MM-DD, like 2024-01-31\n"
        f"    1 | d > {text}\n"
        f"      |     {'^' * len(text)}\n"
        "      = hint: to subtract, put spaces around '-'"
    )


def test_subtraction_with_spaces_is_still_arithmetic() -> None:
    assert dsl.compile_expression("2024 - 1 - 1", filename="e").evaluate({}) == 2022


def test_a_date_not_in_the_calendar_is_an_error() -> None:
    assert messages_of(ruleset("rule r when d > 2025-02-30 then add 1")) == [
        "error: '2025-02-30' is not a date in the calendar"
    ]


@pytest.mark.parametrize(
    "value",
    ["2025-06-01", "2025-06-01T23:30:00+08:00", date(2025, 6, 1), datetime(2025, 6, 1, 9)],
)
@pytest.mark.parametrize("schema", [SCHEMA, None], ids=["with-schema", "without-schema"])
def test_date_fields_may_arrive_as_iso_text(value: Any, schema: dsl.Schema | None) -> None:
    source = ruleset("rule r when next_review_at < 2025-06-30 then add 1")
    compiled = dsl.compile_ruleset(source, filename="r.rules", schema=schema)
    record = {"next_review_at": value}
    assert compiled.evaluate(record, as_of=AS_OF).score == 1
    assert compiled.evaluate(SlowPathOnly(record), as_of=AS_OF).score == 1


def test_a_malformed_date_value_is_missing() -> None:
    source = ruleset("rule r when next_review_at < 2025-06-30 then add 1")
    result = evaluate(source, {"next_review_at": "soon"}, schema=SCHEMA)
    assert result.score == 0


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2025-01-31 + 1 months", date(2025, 2, 28)),
        ("2024-01-31 + 1 months", date(2024, 2, 29)),
        ("2024-02-29 + 1 years", date(2025, 2, 28)),
        ("2025-06-30 - 30 days", date(2025, 5, 31)),
        ("2025-06-30 - 12 months + 2 days", date(2024, 7, 2)),
        ("today() + 2 years", date(2027, 6, 30)),
        ("next_review_at + 10 days", date(2025, 7, 10)),
    ],
)
def test_a_date_moves_by_calendar_durations(expression: str, expected: date) -> None:
    compiled = dsl.compile_expression(expression, filename="e", schema=SCHEMA)
    assert compiled.evaluate({"next_review_at": "2025-06-30"}, as_of=AS_OF) == expected


def test_date_arithmetic_other_than_moving_by_a_duration_is_an_error() -> None:
    assert messages_of(ruleset("rule r when 2025-01-01 + 3 > 1 then add 1")) == [
        "error: a date can only be moved by a duration, like 'next_review_at + 30 days'"
    ]
    assert messages_of(ruleset("rule r when 30 days > 3 then add 1")) == [
        "error: durations cannot be compared; compare dates instead, like "
        "'days_since(opened_at) > 30'"
    ]


def test_a_duration_is_whole() -> None:
    assert messages_of(ruleset("rule r when count(a within 1.5 years) > 1 then add 1")) == [
        "error: a duration is a whole number of years"
    ]


def test_units_are_units_only_after_a_number() -> None:
    assert messages_of(ruleset("rule r when days > 3 then add 1"))[0].startswith(
        "error: expected a value after 'when'"
    )


def test_dates_in_values_and_messages_are_iso() -> None:
    source = ruleset(
        "let due = next_review_at + 1 months",
        'rule r when due < 2025-09-01 then alert info "review by {due}"',
    )
    result = evaluate(source, {"next_review_at": "2025-07-31"}, schema=SCHEMA)
    assert result.alerts[0].message == "review by 2025-08-31"
    assert result.to_dict()["values"] == {"due": "2025-08-31"}
    assert result.to_dict()["fired"][0]["inputs"] == {"due": "2025-08-31"}
