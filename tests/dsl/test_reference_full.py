"""The whole ruleset of rules-language §1 — tables and events included — as a reader expects."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import dsl
from dsl import FieldInfo, ValueType
from dsl.result import TableRowMatch, TierRowMatch

SOURCE = """\
ruleset credit_risk "B2B credit risk"
form customer

let utilisation = if credit_limit > 0 then outstanding_balance / credit_limit else 0

rule overdue_90 "Overdue more than 90 days"
  when max_overdue_days > 90
  then add 30

rule overdue_30 "Overdue 31 to 90 days"
  when max_overdue_days between 31 and 90
  then add 15

rule enforcement "Court enforcement on record"
  when enforcement_records > 0
  then add 25, alert critical "Court enforcement: {enforcement_records} record(s)", tier at least high

rule lawsuits "Three or more lawsuits in 12 months"
  when count(lawsuit within 365 days) >= 3
  then add 20

rule near_limit "Credit line nearly used up"
  when utilisation > 90%
  then add 15, flag near_limit

rule guarantee "Guaranteed by a third party"
  when has_guarantee
  then subtract 10

table industry_risk "Industry risk" on industry
  "construction", "internet" => 8
  "trade" => 3
  else => 0

table young_company "Years in business" on years_in_business
  < 2 => 10
  2 to 5 => 5
  else => 0

tiers
  high when score >= 60
  medium when score >= 30
  low otherwise
"""  # noqa: E501 (the reference's example, verbatim)

SCHEMA: dsl.Schema = {
    "credit_limit": FieldInfo(ValueType.MONEY),
    "outstanding_balance": FieldInfo(ValueType.MONEY),
    "max_overdue_days": FieldInfo(ValueType.NUMBER, minimum=0),
    "enforcement_records": FieldInfo(ValueType.NUMBER, minimum=0),
    "has_guarantee": FieldInfo(ValueType.BOOLEAN),
    "industry": FieldInfo(ValueType.TEXT, options=("construction", "internet", "trade", "retail")),
    "years_in_business": FieldInfo(ValueType.NUMBER, minimum=0),
}
EVENTS: dict[str, dsl.Schema] = {"lawsuit": {"amount": FieldInfo(ValueType.MONEY)}}
AS_OF = date(2025, 6, 30)


def lawsuits(*days: str) -> list[dict[str, Any]]:
    return [{"kind": "lawsuit", "occurred_at": d, "payload": {}} for d in days]


@pytest.fixture(params=["with-forms", "without-forms"])
def compiled(request: pytest.FixtureRequest) -> dsl.CompiledRuleset:
    if request.param == "with-forms":
        return dsl.compile_ruleset(
            SOURCE, filename="credit.rules", schema=SCHEMA, events=EVENTS, base_currency="CNY"
        )
    return dsl.compile_ruleset(SOURCE, filename="credit.rules", base_currency="CNY")


def test_it_compiles_without_warnings(compiled: dsl.CompiledRuleset) -> None:
    assert compiled.warnings == ()
    assert compiled.tiers == ("high", "medium", "low")


def test_a_young_internet_company_with_three_recent_lawsuits_is_high(
    compiled: dsl.CompiledRuleset,
) -> None:
    record = {
        "credit_limit": 1_000_000,
        "outstanding_balance": 500_000,
        "max_overdue_days": 45,
        "industry": "internet",
        "years_in_business": 1,
        "has_guarantee": False,
        "enforcement_records": 0,
    }
    events = lawsuits("2024-07-01", "2025-01-15T09:30:00+08:00", "2025-06-30", "2025-07-02")
    result = compiled.evaluate(record, events=events, as_of=AS_OF)
    assert [(f.id, f.points) for f in result.fired] == [
        ("overdue_30", 15),
        ("lawsuits", 20),
        ("industry_risk", 8),
        ("young_company", 10),
    ]
    assert (result.score, result.tier) == (53, "medium")
    assert result.fired[2].kind == "table"
    assert result.fired[2].row == TableRowMatch(0, '"construction", "internet"')
    assert result.fired[3].row == TableRowMatch(0, "< 2")
    assert result.tier_row == TierRowMatch(1, "score >= 30")
    assert result.tier_floor is None


def test_two_lawsuits_in_the_window_are_not_enough(compiled: dsl.CompiledRuleset) -> None:
    # 2024-06-29 is one day before the window (as_of − 365 days = 2024-06-30)
    events = lawsuits("2024-06-29", "2024-06-30", "2025-06-30")
    result = compiled.evaluate({}, events=events, as_of=AS_OF)
    assert "lawsuits" not in [f.id for f in result.fired]
    events = lawsuits("2024-06-30", "2024-12-01", "2025-06-30")
    result = compiled.evaluate({}, events=events, as_of=AS_OF)
    assert "lawsuits" in [f.id for f in result.fired]


def test_tables_always_fire_even_with_nothing_known(compiled: dsl.CompiledRuleset) -> None:
    result = compiled.evaluate({}, as_of=AS_OF)
    assert [(f.id, f.points, f.row) for f in result.fired] == [
        ("industry_risk", 0, TableRowMatch(2, "else")),
        ("young_company", 0, TableRowMatch(2, "else")),
    ]
    assert (result.score, result.tier) == (0, "low")
    assert result.tier_row == TierRowMatch(2, "otherwise")
    assert "industry" in result.missing and "years_in_business" in result.missing


def test_enforcement_floor_is_recorded(compiled: dsl.CompiledRuleset) -> None:
    record = {"enforcement_records": 1, "industry": "trade", "years_in_business": 3}
    result = compiled.evaluate(record, as_of=AS_OF)
    assert (result.score, result.tier) == (33, "high")
    assert result.tier_row == TierRowMatch(1, "score >= 30")
    assert result.tier_floor == ("high", "enforcement")
    assert result.fired[0].inputs == {"enforcement_records": 1}
    data = result.to_dict()
    assert data["tier_floor"] == {"tier": "high", "rule": "enforcement"}
    assert data["fired"][1] == {
        "id": "industry_risk",
        "label": "Industry risk",
        "points": 3,
        "kind": "table",
        "row": {"index": 1, "pattern": '"trade"'},
        "inputs": {"industry": "trade"},
    }


def test_money_in_another_currency_needs_a_rate() -> None:
    compiled = dsl.compile_ruleset(
        SOURCE, filename="credit.rules", schema=SCHEMA, events=EVENTS, base_currency="CNY"
    )
    record = {
        "credit_limit": {"amount": 100_000, "currency": "USD"},
        "outstanding_balance": 700_000,
    }
    with_rate = compiled.evaluate(record, as_of=AS_OF, fx=lambda currency, day: 7.2)
    assert with_rate.values["utilisation"] == pytest.approx(0.9722, abs=1e-4)
    assert "near_limit" in with_rate.flags
    assert with_rate.missing_rates == ()
    without = compiled.evaluate(record, as_of=AS_OF)
    assert without.values["utilisation"] == 0
    assert without.missing_rates == ("USD",)
    assert without.to_dict()["missing_rates"] == ["USD"]
