"""Numbers, thresholds and how values are written (rules-language §2, §3)."""

from __future__ import annotations

from typing import Any

import pytest

import dsl
from tests.dsl.conftest import evaluate, ruleset


def value(expression: str, record: dict[str, Any] | None = None) -> Any:
    return dsl.compile_expression(expression, filename="e").evaluate(record or {})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1_000_000", 1_000_000),
        ("3.5", 3.5),
        ("90%", 0.9),
        ("100%", 1),
        ("12.5%", 0.125),
        ("0.3%", 0.003),
        ("10 / 4", 2.5),
        ("10 / 2", 5),
        ("2 + 3 * 4", 14),
        ("(2 + 3) * 4", 20),
        ("10 - 2 - 3", 5),
        ("100 / 10 / 5", 2),
        ("-2 * -3", 6),
        ("- (1 + 2)", -3),
        ("3.0", 3),
    ],
)
def test_arithmetic_and_literals(expression: str, expected: Any) -> None:
    result = value(expression)
    assert result == expected
    assert type(result) is type(expected)


def test_thresholds_compare_exact_doubles_without_epsilon() -> None:
    assert value("x > 0.9", {"x": 0.9000005}) is True
    assert value("x > 0.9", {"x": 0.9}) is False
    assert value("x > 90%", {"x": 0.9}) is False
    assert value("x >= 90%", {"x": 0.9}) is True


def test_between_is_inclusive() -> None:
    source = ruleset("rule r when d between 31 and 90 then add 1")
    assert [evaluate(source, {"d": d}).score for d in (30, 31, 90, 91)] == [0, 1, 1, 0]


def test_score_is_an_int_while_whole() -> None:
    source = ruleset("rule a when true then add 2.5", "rule b when true then add 2.5")
    result = evaluate(source, {})
    assert result.score == 5
    assert type(result.score) is int
    assert evaluate(ruleset("rule a when true then add 2.25"), {}).score == 2.25


def test_subtract_and_dynamic_points() -> None:
    source = ruleset("rule r when true then add x * 2, subtract 1")
    result = evaluate(source, {"x": 5})
    assert result.score == 9
    assert result.fired == (dsl.Fired("r", None, 9),)


@pytest.mark.parametrize(
    ("field", "written"),
    [
        (2, "2"),
        (2.0, "2"),
        (2.5, "2.5"),
        (1 / 3, "0.33"),
        (0.125, "0.13"),
        (-0.001, "0"),
        (1234567.891, "1234567.89"),
        (True, "true"),
        (False, "false"),
        (None, "—"),
        ("text", "text"),
    ],
)
def test_alert_placeholders_are_written_as_a_reader_expects(field: Any, written: str) -> None:
    source = ruleset('rule r when true then alert info "v={v} {{literal}} {{{v}}}"')
    result = evaluate(source, {"v": field})
    assert result.alerts == (dsl.Alert("info", f"v={written} {{literal}} {{{written}}}", "r"),)


def test_tiers_take_the_first_row_that_holds() -> None:
    source = ruleset(
        "rule r when true then add points",
        tiers="tiers\n  high when score >= 60\n  medium when score >= 30\n  low otherwise",
    )
    tiers = [evaluate(source, {"points": p}).tier for p in (0, 29, 30, 59.5, 60, 100)]
    assert tiers == ["low", "low", "medium", "medium", "high", "high"]


def test_tier_rows_may_read_fields_and_lets() -> None:
    source = ruleset(
        "let big = exposure > 1_000_000",
        "rule r when true then flag seen",
        tiers="tiers\n  watch when big and score >= 0\n  ok otherwise",
    )
    assert evaluate(source, {"exposure": 2_000_000}).tier == "watch"
    assert evaluate(source, {}).tier == "ok"


def test_lets_are_values_of_the_result_and_may_use_lets_above() -> None:
    source = ruleset("let a = x * 2", "let b = a + 1", "rule r when b > 3 then add b")
    result = evaluate(source, {"x": 2})
    assert dict(result.values) == {"a": 4, "b": 5}
    assert result.score == 5
