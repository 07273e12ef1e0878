"""The formatter (`dsl.format_ruleset`, `riskdesk fmt`): one canonical layout, same tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import dsl
from dsl.parse import parse_ruleset
from tests.dsl import test_reference_full
from tests.dsl.conftest import tree_shape
from web.cli import app

ROOT = Path(__file__).resolve().parents[2]


def fmt(source: str) -> str:
    return dsl.format_ruleset(source, filename="r.rules")


def assert_same_tree(before: str, after: str) -> None:
    first, _ = parse_ruleset(before)
    second, _ = parse_ruleset(after)
    assert first is not None and second is not None
    assert tree_shape(second) == tree_shape(first)


def test_reference_example_is_already_formatted() -> None:
    assert fmt(test_reference_full.SOURCE) == test_reference_full.SOURCE


@pytest.mark.parametrize("path", sorted(ROOT.glob("examples/**/*.rules")), ids=lambda p: p.name)
def test_example_templates_format_to_the_same_tree(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    formatted = fmt(source)
    assert fmt(formatted) == formatted
    assert_same_tree(source, formatted)


MESSY = """\
# credit rules, first draft
ruleset  r   "Risk"   # the header
form customer
let a = 1_000  +  2 # in CNY
# b is derived
let b=(a+1)*-5
rule x "Big" when a>1 # the condition
 # written in two lines
 and b<2 then add 2.5 million, alert critical "hi {a} \\\\ \\"q\\"", tier at least high , flag ff
table t on (a + 1) # subject
  < 2 => 10   # small
  # the middle
  2 to 5 => - 5
  7, 8 => 1
  is missing => 3
  else => 0
tiers high when score >= 60 low otherwise
# the end
"""

MESSY_FORMATTED = """\
# credit rules, first draft
ruleset r "Risk"  # the header
form customer

let a = 1_000 + 2  # in CNY

# b is derived
let b = (a + 1) * -5

rule x "Big"
  # written in two lines
  when a > 1 and b < 2  # the condition
  then add 2.5 million, alert critical "hi {a} \\\\ \\"q\\"", tier at least high, flag ff

table t on (a + 1)  # subject
  < 2 => 10  # small
  # the middle
  2 to 5 => -5
  7, 8 => 1
  missing => 3
  else => 0

tiers
  high when score >= 60
  low otherwise

# the end
"""


def test_messy_file_gets_the_canonical_layout_and_keeps_its_comments() -> None:
    assert fmt(MESSY) == MESSY_FORMATTED
    assert fmt(MESSY_FORMATTED) == MESSY_FORMATTED
    assert_same_tree(MESSY, MESSY_FORMATTED)


CHINESE = """\
规则集 信用风险 "B2B 客户信用风险"
表单 客户
设 x = 如果 a > 1 则 5000　万 CNY 其他 0 # 注释
规则 严重逾期 "逾期超过90天" 当 最长逾期天数 > 90 且 b 介于 1 和 2 且 非 c 属于 ["x"] 且 d 缺失
  且 count(e 近 30 天 其中 f)>1 则 加 30, 预警 critical "逾期 {最长逾期天数} 天"
对照表 t 按 a
  缺失 => 1
  否则 => 2
等级 高 当 score >= 60 中 当 score >= 30 低 否则
"""

CHINESE_FORMATTED = """\
规则集 信用风险 "B2B 客户信用风险"
表单 客户

设 x = 如果 a > 1 则 5000 万 CNY 否则 0  # 注释

规则 严重逾期 "逾期超过90天"
  当 最长逾期天数 > 90 且 b 介于 1 和 2 且 非 c 属于 ["x"] 且 d 缺失 且 count(e 近 30 天 其中 f) > 1
  则 加 30, 预警 严重 "逾期 {最长逾期天数} 天"

对照表 t 按 a
  缺失 => 1
  其他 => 2

等级
  高 当 score >= 60
  中 当 score >= 30
  低 否则
"""


def test_chinese_file_keeps_its_chinese_keywords() -> None:
    assert fmt(CHINESE) == CHINESE_FORMATTED
    assert fmt(CHINESE_FORMATTED) == CHINESE_FORMATTED
    assert_same_tree(CHINESE, CHINESE_FORMATTED)


def test_english_keywords_stay_names_in_a_chinese_file() -> None:
    source = "规则集 r\n设 rule = when + then\n规则 a 当 rule > 1 则 加 1\n等级 低 否则\n"
    assert fmt(source) == (
        "规则集 r\n\n设 rule = when + then\n\n规则 a\n  当 rule > 1\n  则 加 1\n\n等级\n  低 否则\n"
    )


@pytest.mark.parametrize(
    ("written", "formatted"),
    [
        ("1_000_000", "1_000_000"),
        ("90%", "90%"),
        ("3.50", "3.50"),
        ("-  2.5   million", "-2.5 million"),
        ("- 3 USD", "-3 USD"),
        ("50_000_000 CNY", "50_000_000 CNY"),
        ("2025-01-31 + 30 days", "2025-01-31 + 30 days"),
        ("- - 5", "--5"),
        ("-(5)", "-(5)"),
        ("((a))", "((a))"),
        ("(a + b) * c - -d", "(a + b) * c - -d"),
        ("a+b*c/d-e", "a + b * c / d - e"),
        ("if a>1 then(if b then 1 else 2)else 3", "if a > 1 then (if b then 1 else 2) else 3"),
        ("max( a ,b , 3 )", "max(a, b, 3)"),
        ("last ( visit ) . score_x", "last(visit).score_x"),
        ('sum(inv.amount within 90 days where inv.status=="x")', None),
        ("count(lawsuit within 1 years)", "count(lawsuit within 1 years)"),
        ("x.y.z", "x.y.z"),
        ("( x ) . y", "(x).y"),
    ],
)
def test_values_are_written_as_written_with_single_spaces(
    written: str, formatted: str | None
) -> None:
    source = (
        f"ruleset r\nlet v = {written}\nrule r1 when v is present then add 1\ntiers low otherwise"
    )
    result = fmt(source)
    let_line = result.splitlines()[2]
    if formatted is None:
        formatted = 'sum(inv.amount within 90 days where inv.status == "x")'
    assert let_line == f"let v = {formatted}"
    assert_same_tree(source, result)


@pytest.mark.parametrize(
    ("condition", "formatted"),
    [
        ("not(a>1)", "not (a > 1)"),
        ("not not a", "not not a"),
        ("a between 1 and(2 + 3)", "a between 1 and (2 + 3)"),
        ('a in["x","y"]and b not in []', 'a in ["x", "y"] and b not in []'),
        ("a is  missing or b is\npresent", "a is missing or b is present"),
        ("(a or b) and c", "(a or b) and c"),
        ("a or b and c", "a or b and c"),
        ("true==false", "true == false"),
    ],
)
def test_conditions_get_one_space_around_operators(condition: str, formatted: str) -> None:
    source = f"ruleset r\nrule r1 when {condition} then add 1\ntiers low otherwise"
    result = fmt(source)
    assert result.splitlines()[3] == f"  when {formatted}"
    assert_same_tree(source, result)


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ('"plain"', '"plain"'),
        ('"a \\" quote"', '"a \\" quote"'),
        ('"back\\\\slash"', '"back\\\\slash"'),
        ('"\u2028 and \u2029 and \t"', '"\u2028 and \u2029 and \t"'),
        ('"中文"', '"中文"'),
    ],
)
def test_strings_are_re_escaped(literal: str, expected: str) -> None:
    source = (
        f"ruleset r {literal}\nrule a {literal} when x == {literal} then add 1\ntiers low otherwise"
    )
    result = fmt(source)
    lines = result.split("\n")  # not splitlines(): U+2028 does not end a line of the language
    assert lines[0] == f"ruleset r {expected}"
    assert lines[3] == f"  when x == {expected}"
    assert_same_tree(source, result)


def test_table_subject_and_points_keep_their_parentheses() -> None:
    source = "ruleset r\ntable t on(a+b) <2=>(10*w) >= 90% => -1 else=>0\ntiers low otherwise\n"
    assert fmt(source) == (
        "ruleset r\n\ntable t on (a + b)\n  < 2 => (10 * w)\n  >= 90% => -1\n  else => 0\n"
        "\ntiers\n  low otherwise\n"
    )


def test_crlf_line_endings_become_newlines() -> None:
    source = "ruleset r\r\nrule a when x > 1 then add 1 # c\r\ntiers low otherwise\r\n"
    assert fmt(source) == (
        "ruleset r\n\nrule a\n  when x > 1\n  then add 1  # c\n\ntiers\n  low otherwise\n"
    )


def test_comment_inside_the_then_line_stays_with_it() -> None:
    source = (
        "ruleset r\nrule a when x > 1 then add 1, # first\n  # why the flag\n  flag f\n"
        "tiers low otherwise # last\n"
    )
    formatted = fmt(source)
    assert formatted == (
        "ruleset r\n\nrule a\n  when x > 1\n  # why the flag\n  then add 1, flag f  # first\n"
        "\ntiers\n  low otherwise  # last\n"
    )
    assert fmt(formatted) == formatted


def test_a_file_with_errors_is_not_formatted() -> None:
    source = "ruleset r\nrule a when x > 1 tehn add 1\ntiers low otherwise\n"
    with pytest.raises(dsl.RulesError) as caught:
        fmt(source)
    assert dsl.render_all(caught.value.diagnostics, {"r.rules": source}) == (
        "r.rules:2:19: error: expected 'then' after the condition of rule a\n"
        "    2 | rule a when x > 1 tehn add 1\n"
        "      |                   ^^^^"
    )


def test_a_structural_error_also_refuses() -> None:
    with pytest.raises(dsl.RulesError) as caught:
        fmt("ruleset r\nrule a when x > 1 then add 1\nrule a when x > 1 then add 1\n")
    assert [d.code for d in caught.value.diagnostics] == ["duplicate-id", "missing-tiers"]


# ---- riskdesk fmt ------------------------------------------------------------------------------


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_fmt_rewrites_the_file_in_place(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "credit.rules"
    path.write_text(MESSY, encoding="utf-8")
    result = runner.invoke(app, ["fmt", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == MESSY_FORMATTED
    again = runner.invoke(app, ["fmt", str(path)])
    assert again.exit_code == 0 and again.output == ""


def test_fmt_check_exits_1_and_changes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "credit.rules"
    path.write_text(MESSY, encoding="utf-8")
    result = runner.invoke(app, ["fmt", str(path), "--check"])
    assert (result.exit_code, result.output) == (1, "")
    assert path.read_text(encoding="utf-8") == MESSY


def test_fmt_check_exits_0_on_a_formatted_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "credit.rules"
    path.write_text(MESSY_FORMATTED, encoding="utf-8")
    result = runner.invoke(app, ["fmt", str(path), "--check"])
    assert (result.exit_code, result.output) == (0, "")


def test_fmt_check_sees_crlf_as_a_change(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "credit.rules"
    path.write_bytes(MESSY_FORMATTED.replace("\n", "\r\n").encode("utf-8"))
    assert runner.invoke(app, ["fmt", str(path), "--check"]).exit_code == 1


def test_fmt_prints_positioned_errors_and_leaves_the_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "bad.rules"
    source = "ruleset r\nrule a when x > 1 then add 1\ntiers low otherwise\nrule b when\n"
    path.write_text(source, encoding="utf-8")
    result = runner.invoke(app, ["fmt", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"{path}:4:12: error: expected a value after 'when' in rule b, but the file ended\n"
        "    4 | rule b when\n"
        "      |            ^\n"
    )
    assert path.read_text(encoding="utf-8") == source


def test_chinese_booleans_units_and_phrases() -> None:
    source = (
        "规则集 r\n规则 a 当 b == 真 或 c != 假 或 d 不属于 [1] 或 e 存在\n"
        "则 加 2 百万, 等级至少 高\n"
        "对照表 t 按 x 1 至 5 => 1 其他 => 0\n等级 高 当 score > 1 低 否则\n"
    )
    assert fmt(source) == (
        "规则集 r\n\n规则 a\n  当 b == 真 或 c != 假 或 d 不属于 [1] 或 e 存在\n"
        "  则 加 2 百万, 等级至少 高\n"
        "\n对照表 t 按 x\n  1 至 5 => 1\n  其他 => 0\n\n等级\n  高 当 score > 1\n  低 否则\n"
    )
