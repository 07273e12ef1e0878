"""Explanations (rules-language, "Explanations"): why a result is what it is, and what changed
between two results, as whole texts in English and Chinese, from the stored (JSON) form."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

import dsl
from dsl import Change, ChangeItem, Line, explain, explain_change

SOURCE = """ruleset credit
let utilisation = if credit_limit > 0 then outstanding_balance / credit_limit else 0
rule severe_overdue "Overdue more than 90 days"
  when max_overdue_days > 90
  then add 30
rule moderate_overdue "Overdue 31 to 90 days"
  when max_overdue_days between 31 and 90
  then add 15
rule lawsuits "Three or more lawsuits in 12 months"
  when lawsuit_count_12m >= 3
  then add 20
rule enforcement
  when enforcement_records > 0
  then add 5, tier at least high
rule guarantee "Guarantee in place"
  when has_guarantee
  then subtract 10
table industry_risk "Industry risk" on industry
  "construction", "internet" => 8
  "trade" => 3
  else => 0
tiers
  high when score >= 60
  medium when score >= 30
  low otherwise
"""

HEALTHY: dict[str, Any] = {
    "max_overdue_days": 45,
    "lawsuit_count_12m": 0,
    "enforcement_records": 0,
    "has_guarantee": True,
    "industry": "trade",
    "credit_limit": 1000,
    "outstanding_balance": 125,
}
RISKY: dict[str, Any] = {
    "max_overdue_days": 120,
    "lawsuit_count_12m": 3,
    "enforcement_records": 1,
    "has_guarantee": False,
    "industry": "construction",
    "credit_limit": 1000,
    "outstanding_balance": 900,
}
SINCE = date(2026, 5, 1)


def stored(record: dict[str, Any]) -> dict[str, Any]:
    """The result as the engine stores it: through JSON and back."""
    program = dsl.compile_ruleset(SOURCE, filename="credit.rules")
    stored: dict[str, Any] = json.loads(json.dumps(program.evaluate(record, as_of=SINCE).to_dict()))
    return stored


def texts(result: dict[str, Any], **kwargs: Any) -> list[str]:
    return [line.text for line in explain(result, **kwargs).lines]


# --- one result --------------------------------------------------------------------------------


def test_explanation_lists_rules_tables_lets_and_the_tier_row_in_english() -> None:
    assert texts(stored(RISKY)) == [
        "+30 Overdue more than 90 days (max_overdue_days = 120)",
        "+20 Three or more lawsuits in 12 months (lawsuit_count_12m = 3)",
        "+5 enforcement (enforcement_records = 1)",
        "+8 Industry risk: construction",
        "utilisation = 0.9",
        "tier high: score 63 ≥ 60 (row 1)",
    ]


def test_explanation_in_chinese_uses_chinese_words_booleans_and_tiers() -> None:
    names = {"max_overdue_days": "最长逾期天数"}
    assert texts(stored(HEALTHY), language="zh", names=names) == [
        "+15 Overdue 31 to 90 days (最长逾期天数 = 45)",
        "-10 Guarantee in place (has_guarantee = 是)",
        "+3 Industry risk：trade",
        "utilisation = 0.13",
        "等级 低：得分 8，以上各行均不成立 (第 3 行)",
    ]


def test_explanation_lines_carry_kind_id_and_points() -> None:
    lines = explain(stored(HEALTHY)).lines
    assert lines[0] == Line(
        "rule", "moderate_overdue", 15, "+15 Overdue 31 to 90 days (max_overdue_days = 45)"
    )
    assert lines[2] == Line("table", "industry_risk", 3, "+3 Industry risk: trade")
    assert lines[3] == Line("let", "utilisation", None, "utilisation = 0.13")
    assert lines[4].kind == "tier" and lines[4].id == "low" and lines[4].points is None
    assert lines[0].to_dict() == {
        "kind": "rule",
        "id": "moderate_overdue",
        "points": 15,
        "text": "+15 Overdue 31 to 90 days (max_overdue_days = 45)",
    }


def test_a_floor_explains_the_row_and_the_rule_that_raised_the_tier() -> None:
    result = stored({**HEALTHY, "enforcement_records": 1})
    assert texts(result)[-2:] == [
        "score 13, no row above held (row 3)",
        "raised to high by enforcement",
    ]
    assert texts(result, language="zh")[-2:] == [
        "得分 13，以上各行均不成立 (第 3 行)",
        "由 enforcement 提升至 高",
    ]
    floor = explain(result).lines[-1]
    assert (floor.kind, floor.id, floor.points) == ("floor", "enforcement", None)


def test_missing_fields_are_named_and_a_missing_subject_shows_a_dash() -> None:
    result = stored({"has_guarantee": False})
    assert texts(result) == [
        "+0 Industry risk: —",
        "utilisation = 0",
        "not scored: credit_limit is missing",
        "not scored: enforcement_records is missing",
        "not scored: industry is missing",
        "not scored: lawsuit_count_12m is missing",
        "not scored: max_overdue_days is missing",
        "not scored: outstanding_balance is missing",
        "tier low: score 0, no row above held (row 3)",
    ]
    zh = texts(result, language="zh", names={"max_overdue_days": "最长逾期天数"})
    assert zh[6] == "未计分：最长逾期天数 缺失"


def test_values_are_written_as_rules_language_section_2_says() -> None:
    result = {
        "score": 12.5,
        "tier": "medium",
        "tier_row": {"index": 1, "condition": "score > 10 and flagged"},
        "tier_floor": None,
        "fired": [
            {
                "id": "checks",
                "label": "Checks",
                "points": 12.5,
                "kind": "rule",
                "row": None,
                "inputs": {"ratio": 0.3333, "since": "2026-01-31", "ok": False, "gone": None},
            }
        ],
        "values": {"big": 1_200_000, "share": 0.5},
        "missing": [],
        "missing_rates": ["USD"],
    }
    assert texts(result) == [
        "+12.5 Checks (gone = —, ok = false, ratio = 0.33, since = 2026-01-31)",
        "big = 1200000",
        "share = 0.5",
        "no exchange rate for USD: amounts in USD count as missing",
        "tier medium: score 12.5, when score > 10 and flagged (row 2)",
    ]
    assert texts(result, language="zh") == [
        "+12.5 Checks (gone = —, ok = 否, ratio = 0.33, since = 2026-01-31)",
        "big = 1200000",
        "share = 0.5",
        "缺少 USD 汇率：以 USD 计的金额按缺失处理",
        "等级 中：得分 12.5，条件 score > 10 and flagged 成立 (第 2 行)",
    ]


def test_another_language_is_refused() -> None:
    with pytest.raises(ValueError, match="no explanations in language 'fr'"):
        explain(stored(HEALTHY), language="fr")


# --- a change ----------------------------------------------------------------------------------


def test_change_lists_started_stopped_and_moved_rows_largest_first() -> None:
    change = explain_change(stored(HEALTHY), stored(RISKY), since=SINCE)
    assert (change.from_tier, change.to_tier, change.from_score, change.to_score) == (
        "low",
        "high",
        8,
        63,
    )
    assert change.items == (
        ChangeItem(
            "started",
            "severe_overdue",
            30,
            "+30 Overdue more than 90 days (max_overdue_days = 120)",
        ),
        ChangeItem(
            "started",
            "lawsuits",
            20,
            "+20 Three or more lawsuits in 12 months (lawsuit_count_12m = 3)",
        ),
        ChangeItem(
            "stopped",
            "moderate_overdue",
            -15,
            "-15 Overdue 31 to 90 days no longer applies (was max_overdue_days = 45)",
        ),
        ChangeItem(
            "stopped",
            "guarantee",
            10,
            "+10 Guarantee in place no longer applies (was has_guarantee = true)",
        ),
        ChangeItem("started", "enforcement", 5, "+5 enforcement (enforcement_records = 1)"),
        ChangeItem("row", "industry_risk", 5, "+5 Industry risk: trade → construction", 1, 0),
    )
    assert sum(item.points or 0 for item in change.items) == 63 - 8
    assert change.summary == (
        "low → high since 2026-05-01: +30 Overdue more than 90 days (max_overdue_days = 120), "
        "+20 Three or more lawsuits in 12 months (lawsuit_count_12m = 3), "
        "-15 Overdue 31 to 90 days no longer applies (was max_overdue_days = 45), "
        "+10 Guarantee in place no longer applies (was has_guarantee = true), "
        "+5 enforcement (enforcement_records = 1), +5 Industry risk: trade → construction"
    )


def test_change_summary_in_chinese() -> None:
    change = explain_change(stored(HEALTHY), stored(RISKY), since=SINCE, language="zh")
    assert change.summary == (
        "等级 低 → 高，自 2026-05-01 起：+30 Overdue more than 90 days (max_overdue_days = 120)；"
        "+20 Three or more lawsuits in 12 months (lawsuit_count_12m = 3)；"
        "-15 Overdue 31 to 90 days 不再适用 (原为 max_overdue_days = 45)；"
        "+10 Guarantee in place 不再适用 (原为 has_guarantee = 是)；"
        "+5 enforcement (enforcement_records = 1)；+5 Industry risk：trade → construction"
    )


def test_a_floor_that_starts_or_stops_is_part_of_the_change() -> None:
    floored = stored({**HEALTHY, "enforcement_records": 1})
    up = explain_change(stored(HEALTHY), floored, since=SINCE)
    assert up.summary == (
        "low → high since 2026-05-01: +5 enforcement (enforcement_records = 1), "
        "raised to high by enforcement"
    )
    assert up.items[-1] == ChangeItem("floor", "enforcement", None, "raised to high by enforcement")
    down = explain_change(floored, stored(HEALTHY), since=date(2026, 6, 1), language="zh")
    assert down.summary == (
        "等级 高 → 低，自 2026-06-01 起：-5 enforcement 不再适用 (原为 enforcement_records = 1)；"
        "不再由 enforcement 提升至 高"
    )


def test_points_changed_under_the_same_rule() -> None:
    before = stored(HEALTHY)
    after = json.loads(json.dumps(before))
    after["fired"][0]["points"] = 20
    after["score"] = 13
    change = explain_change(before, after, since=None)
    assert change.items == (
        ChangeItem("points", "moderate_overdue", 5, "+5 Overdue 31 to 90 days (+15 → +20 points)"),
    )
    assert change.summary == "low → low: +5 Overdue 31 to 90 days (+15 → +20 points)"


def test_first_assessment_counts_every_scoring_rule_as_started() -> None:
    change = explain_change(None, stored(HEALTHY), since=None)
    assert change.from_tier is None and change.since is None
    assert change.summary == (
        "first assessment, tier low: +15 Overdue 31 to 90 days (max_overdue_days = 45), "
        "-10 Guarantee in place (has_guarantee = true), +3 Industry risk: trade"
    )
    zh = explain_change(None, stored(HEALTHY), since=None, language="zh")
    assert zh.summary.startswith("首次评估，等级 低：+15 Overdue 31 to 90 days")


def test_a_tier_change_without_rule_changes_says_so() -> None:
    before = stored(HEALTHY)
    after = {**before, "tier": "medium"}
    assert explain_change(before, after, since=SINCE).summary == (
        "low → medium since 2026-05-01: no rule changed (score 8 → 8)"
    )


def test_change_to_dict_is_json_native() -> None:
    change: Change = explain_change(stored(HEALTHY), stored(RISKY), since=SINCE)
    data = change.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["since"] == "2026-05-01"
    assert data["items"][-1] == {
        "kind": "row",
        "id": "industry_risk",
        "points": 5,
        "text": "+5 Industry risk: trade → construction",
        "from_row": 1,
        "to_row": 0,
    }
