"""Rulesets written wholly in Chinese (rules-language §8): same tree and result as in English."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import dsl
from dsl.keywords import CHINESE, ENGLISH
from dsl.parse import detect_language, parse_ruleset
from dsl.schema import RESERVED_WORDS
from tests.dsl.conftest import AS_OF, evaluate

REFERENCE_EXAMPLE = """\
规则集 信用风险 "B2B 客户信用风险"
表单 客户
规则 严重逾期 "逾期超过90天"
  当 最长逾期天数 > 90
  则 加 30, 预警 严重 "逾期 {最长逾期天数} 天"
等级
  高 当 score >= 60
  中 当 score >= 30
  低 否则
"""

ENGLISH_RULESET = """\
ruleset credit_risk "B2B credit risk"
let utilisation = if credit_limit > 0 then balance / credit_limit else 0
let big = 5 million
rule overdue "Overdue"
  when overdue_days between 31 and 90 and not (region in ["north", "east"])
  then add 15, alert warning "Overdue {overdue_days} days, guaranteed: {guaranteed}"
rule odd when region not in ["south"] or guaranteed is missing then subtract 5, flag odd
rule near when utilisation > 90% and guaranteed is present and guaranteed == true
  then add 10, tier at least high
rule never when false then add 1
table sector_risk "Sector" on sector
  "construction", "internet" => 8
  missing => 2
  else => 0
table age on company_age
  < 2 => 10
  2 to 5 => 5
  else => 0
tiers
  high when score >= 20
  medium when score >= 10
  low otherwise
"""

# The same ruleset, every keyword in Chinese, every name kept.
CHINESE_RULESET = """\
规则集 credit_risk "B2B credit risk"
设 utilisation = 如果 credit_limit > 0 则 balance / credit_limit 否则 0
设 big = 5 百万
规则 overdue "Overdue"
  当 overdue_days 介于 31 和 90 且 非 (region 属于 ["north", "east"])
  则 加 15, 预警 警告 "Overdue {overdue_days} days, guaranteed: {guaranteed}"
规则 odd 当 region 不属于 ["south"] 或 guaranteed 缺失 则 减 5, 标记 odd
规则 near 当 utilisation > 90% 且 guaranteed 存在 且 guaranteed == 真
  则 加 10, 等级至少 high
规则 never 当 假 则 加 1
对照表 sector_risk "Sector" 按 sector
  "construction", "internet" => 8
  缺失 => 2
  否则 => 0
对照表 age 按 company_age
  < 2 => 10
  2 至 5 => 5
  其他 => 0
等级
  high 当 score >= 20
  medium 当 score >= 10
  low 否则
"""

RECORDS: list[dict[str, Any]] = [
    {},
    {
        "overdue_days": 45,
        "region": "west",
        "guaranteed": True,
        "sector": "internet",
        "company_age": 1,
    },
    {"overdue_days": 45, "region": "north", "credit_limit": 100, "balance": 95, "company_age": 3},
    {"credit_limit": 10, "balance": 10, "guaranteed": True, "region": "south", "sector": "trade"},
    {"overdue_days": 31, "region": "east", "guaranteed": False, "company_age": 9},
]


def _shape(node: Any) -> Any:
    """A syntax tree without positions, to compare trees written with different keywords."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return (
            type(node).__name__,
            tuple(
                (f.name, _shape(getattr(node, f.name)))
                for f in dataclasses.fields(node)
                if "span" not in f.name
            ),
        )
    if isinstance(node, tuple | list):
        return tuple(_shape(item) for item in node)
    return node


def _comparable(result: dsl.Result) -> dict[str, Any]:
    data = result.to_dict()
    # the explanation quotes the matched row as written, in the file's keywords
    for fired in data["fired"]:
        if fired.get("row"):
            fired["row"].pop("pattern", None)
    if data.get("tier_row"):
        data["tier_row"].pop("condition", None)
    for alert in data["alerts"]:
        # booleans are written in the file's own language (§2)
        alert["message"] = alert["message"].replace("是", "true").replace("否", "false")
    return data


# ---- the reference ----


def test_reference_example_scores_in_chinese() -> None:
    result = evaluate(REFERENCE_EXAMPLE, {"最长逾期天数": 120})
    assert (result.score, result.tier) == (30, "中")
    assert [(a.severity, a.message, a.rule) for a in result.alerts] == [
        ("critical", "逾期 120 天", "严重逾期")
    ]
    assert [(f.id, f.label, f.points) for f in result.fired] == [("严重逾期", "逾期超过90天", 30)]
    assert evaluate(REFERENCE_EXAMPLE, {"最长逾期天数": 90}).tier == "低"


def test_reference_example_checks_against_its_form() -> None:
    schema: dsl.Schema = {"最长逾期天数": dsl.FieldInfo(dsl.ValueType.NUMBER)}
    assert dsl.check_ruleset(REFERENCE_EXAMPLE, filename="r.rules", schema=schema) == ()


# ---- the same meaning in both languages ----


def test_chinese_ruleset_has_the_same_tree_as_its_english_twin() -> None:
    english, english_problems = parse_ruleset(ENGLISH_RULESET)
    chinese, chinese_problems = parse_ruleset(CHINESE_RULESET)
    assert english_problems == chinese_problems == []
    assert _shape(chinese) == _shape(english)


@pytest.mark.parametrize("record", RECORDS)
def test_chinese_ruleset_gives_the_same_result_as_its_english_twin(record: dict[str, Any]) -> None:
    english = evaluate(ENGLISH_RULESET, record)
    chinese = evaluate(CHINESE_RULESET, record)
    assert _comparable(chinese) == _comparable(english)


def test_alert_severities_are_the_english_words_in_the_result() -> None:
    result = evaluate(CHINESE_RULESET, RECORDS[1])
    assert [a.severity for a in result.alerts] == ["warning"]


def test_booleans_in_alert_messages_are_written_in_the_files_language() -> None:
    record = RECORDS[1]
    assert evaluate(CHINESE_RULESET, record).alerts[0].message == (
        "Overdue 45 days, guaranteed: 是"
    )
    assert evaluate(ENGLISH_RULESET, record).alerts[0].message == (
        "Overdue 45 days, guaranteed: true"
    )
    record = {**record, "guaranteed": False}
    assert evaluate(CHINESE_RULESET, record).alerts[0].message.endswith("guaranteed: 否")


# ---- 否则, 等级至少, units ----


def test_otherwise_word_serves_as_else_in_an_if_in_a_table_and_in_tiers() -> None:
    source = (
        "规则集 t\n"
        "设 a = 如果 x > 1 则 10 否则 20\n"
        "对照表 b 按 y\n  1 => 3\n  否则 => 4\n"
        "规则 r 当 a > 0 则 加 a\n"
        "等级\n  高 当 score >= 24\n  低 否则\n"
    )
    assert evaluate(source, {"x": 5}).values["a"] == 10
    assert evaluate(source, {"x": 0}).values["a"] == 20
    assert (evaluate(source, {"x": 5}).score, evaluate(source, {"x": 5}).tier) == (14, "低")
    assert (evaluate(source, {"x": 0}).score, evaluate(source, {"x": 0}).tier) == (24, "高")
    assert evaluate(source, {"x": 5, "y": 1}).score == 13
    table = evaluate(source, {"x": 0}).fired[0]
    assert table.row is not None and table.row.pattern == "否则"


def test_tier_at_least_is_one_word_distinct_from_tiers() -> None:
    source = "规则集 t\n规则 r 当 x 则 等级至少 高\n等级\n  高 当 score > 100\n  低 否则\n"
    assert evaluate(source, {"x": True}).tier == "高"
    assert evaluate(source, {"x": False}).tier == "低"
    # `等级 至少` is the tiers block followed by a name
    broken = "规则集 t\n规则 r 当 x 则 等级 至少 高\n等级\n  低 否则\n"
    problem = dsl.check_ruleset(broken, filename="r.rules")[0]
    assert (
        problem.message == "expected '加', '减', '预警', '标记' or '等级至少' after '则' in rule r"
    )
    assert problem.span is not None and (problem.span.line, problem.span.column) == (2, 12)


def test_chinese_scale_units_multiply_the_number() -> None:
    source = "规则集 t\n设 a = 5000 万\n设 b = 3 亿\n设 c = 2.5 百万\n等级\n  低 否则\n"
    values = evaluate(source, {}).values
    assert dict(values) == {"a": 50_000_000, "b": 300_000_000, "c": 2_500_000}


# ---- language detection ----


def test_the_first_keyword_decides_the_language() -> None:
    assert detect_language("# rule 规则\n规则集 t") == "zh"
    assert detect_language('"规则集" ruleset t') == "en"
    assert detect_language("逾期天数 > 90 且 有担保") == "zh"
    assert detect_language("逾期天数 > 90 and 有担保") == "en"
    assert detect_language("逾期天数 > 90") == "en"
    assert detect_language("逾期天数 > 90", default="zh") == "zh"


def test_english_keywords_are_ordinary_names_in_a_chinese_file() -> None:
    source = (
        "规则集 t\n"
        "设 rule = when + then\n"
        "规则 add 当 rule > 1 且 missing 缺失 则 加 rule, 标记 tiers\n"
        "等级\n  otherwise 当 score > 2\n  else 否则\n"
    )
    result = evaluate(source, {"when": 1, "then": 2})
    assert (result.score, result.tier, sorted(result.flags)) == (3, "otherwise", ["tiers"])
    assert result.missing == ("missing",)


def test_chinese_keywords_are_ordinary_names_in_an_english_file() -> None:
    source = (
        "ruleset t\nlet 则 = 当 * 2\nrule 规则 when 则 > 1 then add 则\ntiers\n  低 otherwise\n"
    )
    assert evaluate(source, {"当": 3}).score == 6


def test_expressions_are_read_in_their_own_language() -> None:
    guard = dsl.compile_expression('逾期天数 介于 1 和 5 且 级别 属于 ["高"]', filename="wf.yaml")
    assert guard.evaluate({"逾期天数": 3, "级别": "高"}) is True
    assert guard.evaluate({"逾期天数": 9, "级别": "高"}) is False
    value = dsl.compile_expression("如果 a 缺失 则 0 否则 a * 2", filename="wf.yaml")
    assert (value.evaluate({}), value.evaluate({"a": 4})) == (0, 8)


def test_ideographic_space_separates_words() -> None:
    source = "规则集 t\n规则 r 当 x > 1 则 加 2\n等级 低 否则\n".replace(" ", "\u3000")
    assert " " not in source
    assert evaluate(source, {"x": 5}).score == 2


# ---- the keyword table ----


def test_every_keyword_has_a_chinese_spelling() -> None:
    # `is` and `present` are English words only inside `is missing` / `is present`
    terminals = (set(ENGLISH.words.values()) | set(ENGLISH.phrases)) - {"IS", "PRESENT"}
    assert {t for t in terminals if CHINESE.spelling(t) is None} == set()


def test_every_chinese_keyword_is_reserved_for_form_fields() -> None:
    assert set(CHINESE.words) - RESERVED_WORDS == set()


def test_chinese_keywords_are_lower_case_free_single_words() -> None:
    assert all(" " not in word and word == word.lower() for word in CHINESE.words)
    assert CHINESE.spelling("ELSE") == "其他"
    assert CHINESE.spelling("OTHERWISE") == CHINESE.spelling("ELSE_OR_OTHERWISE") == "否则"


def test_as_of_is_only_a_fixture_here() -> None:
    # the evaluation date does not change how a Chinese file reads
    compiled = dsl.compile_ruleset(REFERENCE_EXAMPLE, filename="r.rules")
    assert compiled.evaluate({"最长逾期天数": 91}, as_of=AS_OF).score == 30
