"""Missing values at evaluation time (rules-language §4): evaluation never raises for data."""

from __future__ import annotations

from typing import Any

import pytest

import dsl
from dsl import ValueType
from tests.dsl.conftest import evaluate, ruleset


def fires(condition: str, record: dict[str, Any]) -> bool:
    source = ruleset(f"rule r when {condition} then add 1")
    return evaluate(source, record).score == 1


def value(expression: str, record: dict[str, Any]) -> Any:
    return dsl.compile_expression(expression, filename="e").evaluate(record)


@pytest.mark.parametrize("record", [{}, {"x": None}], ids=["absent", "null"])
@pytest.mark.parametrize(
    "condition",
    [
        "x > 5",
        "x < 5",
        "x >= 5",
        "x <= 5",
        "x == 5",
        "x != 5",
        'x == "a"',
        'x != "a"',
        "x in [1, 2]",
        "x not in [1, 2]",
        "x between 1 and 10",
        "x == y",
        "x != y",
        "x",
    ],
)
def test_comparison_with_missing_operand_is_false(condition: str, record: dict[str, Any]) -> None:
    assert not fires(condition, {**record, "y": None})


@pytest.mark.parametrize(
    "condition",
    [
        "not (x > 5)",
        "not (x in [1, 2])",
        "not (x == 5)",
        "not x",
        "not (x != 5)",
        "not (x between 1 and 3)",
    ],
)
def test_not_of_a_comparison_false_because_missing_is_true(condition: str) -> None:
    assert fires(condition, {})


def test_two_missing_values_are_not_equal() -> None:
    assert not fires("x == y", {"x": None})
    assert fires("x == y", {"x": 3, "y": 3.0})


def test_present_values_compare_normally() -> None:
    assert fires("x != 5", {"x": 4})
    assert fires("x not in [1, 2]", {"x": 3})
    assert not fires("x not in [1, 2]", {"x": 2})
    assert fires('x in ["a", "b"]', {"x": "b"})


@pytest.mark.parametrize(
    "expression", ["x + 1", "1 - x", "x * 2", "x / 2", "2 / x", "-x", "x + 1 + 2 - 3"]
)
def test_arithmetic_with_missing_operand_is_missing(expression: str) -> None:
    assert value(expression, {}) is None
    assert value(f"({expression}) is missing", {}) is True


def test_division_by_zero_is_missing() -> None:
    assert value("a / b", {"a": 1, "b": 0}) is None
    assert value("a / b", {"a": 1, "b": 0.0}) is None
    assert value("(a / b) is missing", {"a": 1, "b": 0}) is True


def test_missing_points_add_zero_but_the_rule_fires() -> None:
    result = evaluate(ruleset("rule r when true then add bonus, add 5"), {})
    assert result.score == 5
    assert result.fired == (dsl.Fired("r", None, 5),)


def test_missing_condition_value_is_false() -> None:
    assert not fires("has_guarantee", {})
    assert not fires("has_guarantee", {"has_guarantee": None})
    assert not fires("has_guarantee", {"has_guarantee": "yes"})
    assert fires("has_guarantee", {"has_guarantee": True})


def test_is_missing_and_is_present() -> None:
    assert fires("x is missing", {})
    assert fires("x is missing", {"x": None})
    assert not fires("x is missing", {"x": 0})
    assert fires("x is present", {"x": False})
    assert fires("address.country is missing", {"address": None})
    assert fires("address.country is missing", {"address": "not a record"})


def test_and_or_short_circuit_around_missing_values() -> None:
    assert fires("x is missing or x > 5", {})
    assert not fires("x is present and x > 5", {})
    assert fires("x is present and x > 5", {"x": 6})


def test_text_where_a_number_is_expected_never_raises_without_schema() -> None:
    assert not fires("x > 5", {"x": "many"})
    assert value("x + 1", {"x": "many"}) is None
    assert value("x + 1", {"x": True}) is None
    assert value("x.y + 1", {"x": [1, 2]}) is None


def test_if_with_missing_condition_takes_else() -> None:
    assert value("if x > 0 then 1 else 2", {}) == 2


def test_missing_lists_nested_fields_read_anywhere() -> None:
    source = ruleset(
        'rule r when address.country == "CN" then alert info "in {city}"', "let d = debt * 2"
    )
    result = evaluate(source, {"address": {"country": "CN"}, "debt": 1})
    assert result.missing == ("city",)
    assert result.alerts[0].message == "in —"
    assert evaluate(source, {}).missing == ("address.country", "city", "debt")


def test_guard_on_a_first_assessment_reads_previous_tier_as_missing() -> None:
    guard = dsl.compile_expression(
        'assessment.tier == "high" and (assessment.previous_tier is missing or '
        'assessment.previous_tier != "high")',
        filename="workflow.yaml",
        expect=ValueType.BOOLEAN,
    )
    assert guard.names == frozenset({"assessment"})
    assert guard.evaluate({"assessment": {"tier": "high", "previous_tier": None}}) is True
    assert guard.evaluate({"assessment": {"tier": "high", "previous_tier": "high"}}) is False
    assert guard.evaluate({"assessment": {"tier": "high", "previous_tier": "low"}}) is True
    assert guard.evaluate({"assessment": None}) is False
    assert guard.evaluate({}) is False
