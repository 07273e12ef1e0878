"""The fast path of a compiled ruleset and its missing-aware path agree on tricky records (§4).

The fast path is plain Python operators on `R["field"]` inside one `try`; whatever it cannot
handle (a missing key, None, text where a number is expected, a division by zero) must either
give the same answer as the missing-aware path or raise and fall back to it. Each record is
evaluated normally and through `SlowPathOnly`, which forces the missing-aware path.
"""

from __future__ import annotations

import inspect
import itertools
import math
from datetime import date
from types import FunctionType
from typing import Any, cast

import pytest

import dsl
from bench.engines.riskdesk import compile_scorecard
from bench.portfolio import portfolio
from tests.dsl.test_paths_agree import SlowPathOnly

AS_OF = date(2026, 11, 28)

SCHEMA = {
    "overdue": dsl.FieldInfo(dsl.ValueType.NUMBER),
    "limit": dsl.FieldInfo(dsl.ValueType.NUMBER),
    "balance": dsl.FieldInfo(dsl.ValueType.NUMBER),
    "paid": dsl.FieldInfo(dsl.ValueType.NUMBER),
    "terms": dsl.FieldInfo(dsl.ValueType.NUMBER),
    "kind": dsl.FieldInfo(dsl.ValueType.TEXT, options=("a", "b")),
    "secured": dsl.FieldInfo(dsl.ValueType.BOOLEAN),
}

SOURCE = """ruleset t
form customer
let use = if limit > 0 then balance / limit else 0
let late = paid - terms
rule severe "Severe" when overdue > 90 then add 30
rule moderate when overdue > 30 and overdue <= 90 then add 15, alert warning "late {overdue} days"
rule near_limit when limit > 0 and balance / limit > 0.9 then add 15, flag high_use
rule late_pay when late > 30 then add late / 10
rule raw_ratio when balance / limit > 0.9 then add 1
rule odd_kind when kind != "a" then add 2, tier at least medium
rule not_kind when kind not in ["a"] then add 3
rule guaranteed when secured then subtract 10
table band on overdue
  < 31 => 0
  31 to 90 => 5
  missing => 7
  else => 9
tiers
  high when score >= 60
  medium when score >= 30
  low otherwise
"""

# None, absent, wrong kinds, zero, and values on and around each threshold
NUMBERS: list[Any] = [None, 0, 30, 31, 90, 90.0, 91, 0.5, -1, "90", "", True, False, [1]]
RATIO_PAIRS: list[tuple[Any, Any]] = [
    (9, 10),  # exactly 0.9: does not fire
    (9.000005, 10),  # 0.9000005: fires
    (10, 0),  # division by zero: missing
    (5, None),
    (None, 10),
    ("9", 10),
    (10, "10"),
    (True, 1),
]


@pytest.fixture(scope="module")
def compiled() -> dsl.CompiledRuleset:
    return dsl.compile_ruleset(SOURCE, filename="t.rules", schema=SCHEMA)


def assert_paths_agree(compiled: dsl.CompiledRuleset, record: dict[str, Any]) -> None:
    fast = compiled.evaluate(record, as_of=AS_OF)
    slow = compiled.evaluate(SlowPathOnly(record), as_of=AS_OF)
    assert fast.to_dict() == slow.to_dict(), record
    assert type(fast.score) is type(slow.score), record


def test_paths_agree_on_missing_none_text_and_thresholds(compiled: dsl.CompiledRuleset) -> None:
    for overdue, (balance, limit), kind, secured in itertools.product(
        NUMBERS, RATIO_PAIRS, ["a", "b", None, 1], [True, False, None, "yes"]
    ):
        record = {"overdue": overdue, "balance": balance, "limit": limit, "kind": kind}
        record["secured"] = secured
        record["paid"], record["terms"] = 75, 45
        assert_paths_agree(compiled, record)


@pytest.mark.parametrize(
    ("paid", "terms"),
    [(75, 45), (75.5, 45), (76, 45), (None, 45), (75, None), ("75", 45), (True, 45), (75, True)],
)
def test_paths_agree_on_a_difference_threshold(
    compiled: dsl.CompiledRuleset, paid: Any, terms: Any
) -> None:
    record = {"overdue": 10, "limit": 10, "balance": 1, "kind": "a", "secured": False}
    assert_paths_agree(compiled, {**record, "paid": paid, "terms": terms})


def test_paths_agree_when_every_key_is_absent(compiled: dsl.CompiledRuleset) -> None:
    assert_paths_agree(compiled, {})
    result = compiled.evaluate({}, as_of=AS_OF)
    assert (result.score, result.tier) == (7, "low")
    assert [(f.id, f.points, f.row and f.row.pattern) for f in result.fired] == [
        ("band", 7, "missing")
    ]


def test_fired_inputs_are_those_of_their_own_record(compiled: dsl.CompiledRuleset) -> None:
    first = compiled.evaluate({"overdue": 95, "limit": 10, "balance": 1}, as_of=AS_OF)
    second = compiled.evaluate({"overdue": 120, "limit": 10, "balance": 1}, as_of=AS_OF)
    assert first.fired[0].inputs == {"overdue": 95}
    assert second.fired[0].inputs == {"overdue": 120}
    assert first.fired[0] == second.fired[0] == dsl.Fired("severe", "Severe", 30)


def test_a_ruleset_without_events_money_or_dates_builds_no_context(
    compiled: dsl.CompiledRuleset,
) -> None:
    assert "_Context" not in compiled.python_source
    result = compiled.evaluate({"overdue": 95}, as_of=AS_OF)
    assert result.missing_rates == ()


def test_scorecard_paths_agree_on_the_portfolio() -> None:
    compiled = compile_scorecard()
    for record in portfolio(500, seed=7):
        assert_paths_agree(compiled, record)


def test_fired_ids_are_the_ids_of_fired_with_computed_points_and_table_rows(
    compiled: dsl.CompiledRuleset,
) -> None:
    record = {"overdue": 95, "limit": 10, "balance": 9.5, "paid": 90, "terms": 30, "kind": "b"}
    result = compiled.evaluate(record, as_of=AS_OF)
    assert result.fired_ids == tuple(f.id for f in result.fired)
    assert [(f.id, f.points) for f in result.fired] == [
        ("severe", 30),
        ("near_limit", 15),
        ("late_pay", 6),
        ("raw_ratio", 1),
        ("odd_kind", 2),
        ("not_kind", 3),
        ("band", 9),
    ]
    row = result.fired[-1].row
    assert row is not None and (row.index, row.pattern) == (3, "else")
    assert result.score == sum(f.points for f in result.fired)


# Arithmetic on fields in every position the fast path treats differently, one ruleset each (a
# field checked up front for one rule is checked for all): alone in a rule's condition (operands
# checked only once the condition holds), under `not` and in the condition of `if … then … else`
# (checked up front), and in points.
ARITHMETIC = [
    "paid - terms > 30",
    "paid * 2 > 3 or terms / 2 < 1",
    "paid + terms == 4",
    "-paid < -1",
    "not (paid - terms > 30)",
    "not (paid * terms > 3 and terms > 0)",
    "(if paid - terms > 0 then 1 else 2) > 1",
    "(if paid > 0 then paid - terms else 0) > 1",
]
OPERANDS: list[Any] = [None, 0, 1, 2, 40, 2.5, True, False, "2", "ab", [1], {"a": 1}]


def arithmetic_ruleset(condition: str, points: str = "1") -> str:
    return f"ruleset a\nrule r when {condition} then add {points}\ntiers\n  low otherwise\n"


@pytest.mark.parametrize("condition", ARITHMETIC)
@pytest.mark.parametrize("points", ["1", "paid - terms"])
@pytest.mark.parametrize("schema", [None, {"paid": SCHEMA["paid"], "terms": SCHEMA["terms"]}])
def test_paths_agree_on_arithmetic_over_values_of_every_kind(
    condition: str, points: str, schema: Any
) -> None:
    source = arithmetic_ruleset(condition, points)
    compiled = dsl.compile_ruleset(source, filename="a.rules", schema=schema)
    for paid, terms in itertools.product(OPERANDS, repeat=2):
        assert_paths_agree(compiled, {"paid": paid, "terms": terms})


@pytest.mark.parametrize(
    ("condition", "when_it_holds"),
    [(c, i < 4 or c.startswith("(if paid > 0")) for i, c in enumerate(ARITHMETIC)],
)
def test_operands_are_checked_up_front_only_where_a_wrong_value_could_hide_a_rule(
    condition: str, when_it_holds: bool
) -> None:
    compiled = dsl.compile_ruleset(arithmetic_ruleset(condition), filename="a.rules")
    fast = compiled.python_source.split("except")[0]
    set_up, rules = fast.split("F = ")
    assert ("_IS_NUMBER" in rules) is when_it_holds
    assert ("_IS_NUMBER" in set_up) is not when_it_holds


@pytest.mark.parametrize("rules", [3, 49, 50, 51, 120])
def test_fired_ids_keep_source_order_for_few_and_many_rules(rules: int) -> None:
    lines = [f"rule r{i} when x > {i} then add 1" for i in range(rules)]
    source = "ruleset many\n" + "\n".join(lines) + "\ntiers\n  low otherwise\n"
    compiled = dsl.compile_ruleset(source, filename="many.rules")
    result = compiled.evaluate({"x": 30}, as_of=AS_OF)
    expected = tuple(f"r{i}" for i in range(min(30, rules)))
    assert result.fired_ids == expected == tuple(f.id for f in result.fired)
    assert result.score == len(expected)
    assert type(result.fired_ids) is tuple


def test_evaluate_is_the_generated_function_with_the_documented_signature(
    compiled: dsl.CompiledRuleset,
) -> None:
    evaluate = cast(FunctionType, compiled.evaluate)
    assert str(inspect.signature(evaluate)) == "(record, *, events=(), as_of, fx=None)"
    assert evaluate.__name__ == "evaluate" and "Never raises for data" in (evaluate.__doc__ or "")
    with pytest.raises(TypeError, match="as_of"):
        evaluate({})


POINTS_SOURCE = """ruleset p
rule computed when true then add x
rule table_points when true then add 1
table t on y
  < 1 => y
  else => 1
tiers
  high when score >= 10
  low otherwise
"""
EXTREMES: list[Any] = [
    0.5,
    -3,
    10**15,
    -(10**15),
    10**15 + 1,
    1e300,
    -1e300,
    10**400,
    math.inf,
    -math.inf,
    math.nan,
]


@pytest.mark.parametrize("value", EXTREMES, ids=repr)
def test_points_beyond_ten_to_the_fifteen_add_nothing_and_the_score_stays_a_number(
    value: Any,
) -> None:
    compiled = dsl.compile_ruleset(POINTS_SOURCE, filename="p.rules")
    in_range = -(10**15) <= value <= 10**15  # false for NaN
    for record, rule, expected in (
        ({"x": value, "y": 0.25}, "computed", value if in_range else 0),
        ({"x": 2, "y": value}, "t", (value if in_range else 0) if value < 1 else 1),
    ):
        assert_paths_agree(compiled, record)
        result = compiled.evaluate(record, as_of=AS_OF)
        points = {f.id: f.points for f in result.fired}
        assert points[rule] == expected, record
        assert isinstance(result.score, (int, float)) and math.isfinite(result.score)
        assert result.score == sum(points.values())
