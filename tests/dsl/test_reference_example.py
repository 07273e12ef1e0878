"""The whole-ruleset example of the reference (rules-language §1), minus tables and events."""

from __future__ import annotations

import json

import pytest

import dsl
from dsl import FieldInfo, ValueType
from tests.dsl.conftest import AS_OF

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

rule near_limit "Credit line nearly used up"
  when utilisation > 90%
  then add 15, flag near_limit

rule guarantee "Guaranteed by a third party"
  when has_guarantee
  then subtract 10

tiers
  high when score >= 60
  medium when score >= 30
  low otherwise
"""  # noqa: E501 (the reference's example, verbatim)

SCHEMA: dsl.Schema = {
    "credit_limit": FieldInfo(ValueType.MONEY),
    "outstanding_balance": FieldInfo(ValueType.MONEY),
    "max_overdue_days": FieldInfo(ValueType.NUMBER, minimum=0),
    "enforcement_records": FieldInfo(ValueType.NUMBER),
    "has_guarantee": FieldInfo(ValueType.BOOLEAN),
}

FULL = {
    "credit_limit": 1_000_000,
    "outstanding_balance": 950_000,
    "max_overdue_days": 120,
    "enforcement_records": 2,
    "has_guarantee": True,
}


@pytest.fixture(params=[SCHEMA, None], ids=["with-schema", "without-schema"])
def compiled(request: pytest.FixtureRequest) -> dsl.CompiledRuleset:
    return dsl.compile_ruleset(SOURCE, filename="credit.rules", schema=request.param)


def test_header_gives_id_label_form_and_tiers(compiled: dsl.CompiledRuleset) -> None:
    assert (compiled.id, compiled.label, compiled.form) == (
        "credit_risk",
        "B2B credit risk",
        "customer",
    )
    assert compiled.tiers == ("high", "medium", "low")
    assert compiled.warnings == ()
    assert len(compiled.checksum) == 64


def test_high_risk_customer_fires_every_rule_in_source_order(
    compiled: dsl.CompiledRuleset,
) -> None:
    result = compiled.evaluate(FULL, as_of=AS_OF)
    assert result.score == 60
    assert result.tier == "high"
    assert result.fired == (
        dsl.Fired("overdue_90", "Overdue more than 90 days", 30),
        dsl.Fired("enforcement", "Court enforcement on record", 25),
        dsl.Fired("near_limit", "Credit line nearly used up", 15),
        dsl.Fired("guarantee", "Guaranteed by a third party", -10),
    )
    assert result.alerts == (
        dsl.Alert("critical", "Court enforcement: 2 record(s)", "enforcement"),
    )
    assert result.flags == frozenset({"near_limit"})
    assert dict(result.values) == {"utilisation": 0.95}
    assert result.missing == ()


def test_tier_at_least_floors_a_low_score(compiled: dsl.CompiledRuleset) -> None:
    result = compiled.evaluate({"enforcement_records": 1, "credit_limit": 0}, as_of=AS_OF)
    assert result.score == 25
    assert result.tier == "high"
    assert dict(result.values) == {"utilisation": 0}


def test_medium_customer_with_missing_fields_lists_them(compiled: dsl.CompiledRuleset) -> None:
    result = compiled.evaluate({"max_overdue_days": 31, "has_guarantee": None}, as_of=AS_OF)
    assert result.score == 15
    assert result.tier == "low"
    assert [f.id for f in result.fired] == ["overdue_30"]
    assert result.missing == (
        "credit_limit",
        "enforcement_records",
        "has_guarantee",
        "outstanding_balance",
    )


def test_clean_customer_is_low_with_nothing_fired(compiled: dsl.CompiledRuleset) -> None:
    record = {
        **FULL,
        "max_overdue_days": 0,
        "enforcement_records": 0,
        "has_guarantee": False,
        "outstanding_balance": 100,
    }
    result = compiled.evaluate(record, as_of=AS_OF)
    assert (result.score, result.tier, result.fired, result.alerts) == (0, "low", (), ())
    assert result.flags == frozenset()
    assert dict(result.values) == {"utilisation": 0.0001}


def test_result_to_dict_is_json_native(compiled: dsl.CompiledRuleset) -> None:
    data = compiled.evaluate(FULL, as_of=AS_OF).to_dict()
    assert json.loads(json.dumps(data)) == data

    def rule(id_: str, label: str, points: int, inputs: dict[str, object]) -> dict[str, object]:
        return {
            "id": id_,
            "label": label,
            "points": points,
            "kind": "rule",
            "row": None,
            "inputs": inputs,
        }

    assert data == {
        "score": 60,
        "tier": "high",
        "tier_row": {"index": 0, "condition": "score >= 60"},
        "tier_floor": None,
        "fired": [
            rule("overdue_90", "Overdue more than 90 days", 30, {"max_overdue_days": 120}),
            rule("enforcement", "Court enforcement on record", 25, {"enforcement_records": 2}),
            rule("near_limit", "Credit line nearly used up", 15, {"utilisation": 0.95}),
            rule("guarantee", "Guaranteed by a third party", -10, {"has_guarantee": True}),
        ],
        "alerts": [
            {
                "severity": "critical",
                "message": "Court enforcement: 2 record(s)",
                "rule": "enforcement",
            }
        ],
        "flags": ["near_limit"],
        "values": {"utilisation": 0.95},
        "missing": [],
        "missing_rates": [],
    }


def test_result_cannot_be_changed(compiled: dsl.CompiledRuleset) -> None:
    result = compiled.evaluate(FULL, as_of=AS_OF)
    with pytest.raises(AttributeError):
        result.score = 0


def test_same_inputs_give_equal_results(compiled: dsl.CompiledRuleset) -> None:
    assert compiled.evaluate(FULL, as_of=AS_OF) == compiled.evaluate(dict(FULL), as_of=AS_OF)
