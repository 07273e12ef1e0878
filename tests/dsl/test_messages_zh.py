"""Messages in the caller's language (rules-language §6, §8): whole diagnostics in Chinese."""

from __future__ import annotations

import re

import pytest

import dsl
from dsl.keywords import CHINESE, ENGLISH
from dsl.messages import SAY, TERMINAL_WORDS, TERMINAL_WORDS_ZH, expected_words

SCHEMA: dsl.Schema = {
    "最长逾期天数": dsl.FieldInfo(dsl.ValueType.NUMBER),
    "行业": dsl.FieldInfo(dsl.ValueType.TEXT),
}


def rendered(source: str, *, language: str = "zh", schema: dsl.Schema | None = SCHEMA) -> str:
    diagnostics = dsl.check_ruleset(source, filename="r.rules", schema=schema, language=language)
    return "\n".join(dsl.render(d, source) for d in diagnostics)


def test_unknown_field_suggests_the_nearest_name_in_chinese() -> None:
    source = "规则集 t\n表单 客户\n规则 逾期 当 最长逾期天 > 90 则 加 30\n等级\n  低 否则\n"
    assert rendered(source) == (
        "r.rules:3:9: error: 未知字段 '最长逾期天'；您是否要找 '最长逾期天数'？\n"
        "    3 | 规则 逾期 当 最长逾期天 > 90 则 加 30\n"
        "      |              ^^^^^^^^^^"
    )
    assert rendered(source, language="en") == (
        "r.rules:3:9: error: unknown field '最长逾期天'; did you mean '最长逾期天数'?\n"
        "    3 | 规则 逾期 当 最长逾期天 > 90 则 加 30\n"
        "      |              ^^^^^^^^^^"
    )


def test_missing_then_names_the_rule_and_the_condition_in_chinese() -> None:
    source = "规则集 t\n规则 逾期 当 最长逾期天数 > 90\n  加 30\n等级\n  低 否则\n"
    assert rendered(source) == (
        "r.rules:3:3: error: 规则 逾期 的条件之后应为 '则'\n    3 |   加 30\n      |   ^^"
    )


def test_english_file_with_chinese_messages_quotes_english_keywords() -> None:
    source = (
        "ruleset t\nrule a When x > 1 then add 1\nrule b when x > 1 则 add 1\ntiers low otherwise\n"
    )
    assert rendered(source, schema=None) == (
        "r.rules:2:8: error: 规则 a 之后应为 'when' 或 双引号中的文本\n"
        "    2 | rule a When x > 1 then add 1\n"
        "      |        ^^^^\n"
        "      = hint: 关键字用小写：'when'\n"
        "r.rules:3:19: error: 规则 b 的条件之后应为 'then'\n"
        "    3 | rule b when x > 1 则 add 1\n"
        "      |                   ^^\n"
        "      = hint: 本文件使用英文关键字（由文件的第一个关键字决定）：请写 'then'，不要写 '则'"
    )


def test_english_keyword_in_a_chinese_file_gets_a_hint_in_either_language() -> None:
    source = (
        "规则集 t\n规则 a 当 x > 1 then 加 1\n规则 b 当 x > 1 则 tier at least 高\n等级 低 否则\n"
    )
    assert rendered(source, schema=None, language="en") == (
        "r.rules:2:14: error: expected '则' after the condition of rule a\n"
        "    2 | 规则 a 当 x > 1 then 加 1\n"
        "      |                 ^^^^\n"
        "      = hint: this file is written with Chinese keywords (its first keyword decides): "
        "write '则' instead of 'then'\n"
        "r.rules:3:16: error: "
        "expected '加', '减', '预警', '标记' or '等级至少' after '则' in rule b\n"
        "    3 | 规则 b 当 x > 1 则 tier at least 高\n"
        "      |                    ^^^^\n"
        "      = hint: this file is written with Chinese keywords (its first keyword decides): "
        "write '等级至少' instead of 'tier at least'"
    )


def test_missing_tiers_block_at_the_end_of_the_text_in_chinese() -> None:
    source = "规则集 t\n规则 逾期 当 最长逾期天数 > 90 则 加 30\n"
    assert rendered(source) == (
        "r.rules:2:27: error: 规则集没有等级块：请在末尾写 '等级' 和各行，直到 '否则' 行\n"
        "    2 | 规则 逾期 当 最长逾期天数 > 90 则 加 30\n"
        "      |                                        ^"
    )


def test_type_errors_and_let_cycles_in_chinese() -> None:
    source = (
        "规则集 t\n规则 逾期 当 最长逾期天数 > 90 则 加 行业\n设 a = b\n设 b = a\n等级\n  低 否则\n"
    )
    assert rendered(source) == (
        "r.rules:2:25: error: '加' 需要一个数字，但这里是文本\n"
        "    2 | 规则 逾期 当 最长逾期天数 > 90 则 加 行业\n"
        "      |                                      ^^^^\n"
        "r.rules:3:7: error: 派生值 'a' 和 'b' 相互使用\n"
        "    3 | 设 a = b\n"
        "      |        ^"
    )


def test_unknown_severity_lists_the_chinese_severities() -> None:
    source = '规则集 t\n规则 逾期 当 行业 > 90 则 加 30, 预警 严重的 "x"\n等级\n  低 否则\n'
    assert rendered(source) == (
        "r.rules:2:9: error: 不能将文本与数字比较\n"
        '    2 | 规则 逾期 当 行业 > 90 则 加 30, 预警 严重的 "x"\n'
        "      |              ^^^^^^^^^\n"
        "r.rules:2:28: error: 未知的预警级别 '严重的'\n"
        '    2 | 规则 逾期 当 行业 > 90 则 加 30, 预警 严重的 "x"\n'
        "      |                                       ^^^^^^\n"
        "      = hint: 预警级别为 '提示'、'警告' 或 '严重'"
    )


@pytest.mark.parametrize(
    ("char", "ascii"), [("，", ","), ("（", "("), ("）", ")"), ("“", '"'), ("”", '"'), ("：", ":")]
)
def test_full_width_punctuation_is_an_error_with_a_hint_in_both_languages(
    char: str, ascii: str
) -> None:
    # curly quotes are "ambiguous" width in Unicode: the caret counts them as narrow
    carets = "^" if char in "“”" else "^^"
    source = f"规则集 t\n规则 a{char} 当 x 则 加 1\n等级 低 否则\n"
    line = f"    2 | 规则 a{char} 当 x 则 加 1\n"
    assert rendered(source, schema=None) == (
        f"r.rules:2:5: error: 意外的字符 '{char}'\n"
        + line
        + f"      |       {carets}\n"
        + f"      = hint: 请改用 ASCII 字符 '{ascii}'，不要用全角字符 '{char}'"
    )
    english = f"ruleset t\nrule a{char} when x then add 1\ntiers low otherwise\n"
    assert rendered(english, schema=None, language="en") == (
        f"r.rules:2:7: error: unexpected character '{char}'\n"
        f"    2 | rule a{char} when x then add 1\n"
        f"      |       {carets}\n"
        f"      = hint: write the ASCII '{ascii}' instead of the full-width '{char}'"
    )


def test_expression_errors_come_in_the_callers_language() -> None:
    with pytest.raises(dsl.RulesError) as caught:
        dsl.compile_expression("逾期天数 >", filename="wf.yaml", line=3, column=10, language="zh")
    assert [dsl.render(d) for d in caught.value.diagnostics] == [
        "wf.yaml:3:16: error: '>' 之后应为 一个值，但表达式已结束"
    ]
    with pytest.raises(dsl.RulesError) as caught:
        dsl.compile_expression(
            "最长逾期天 > 1 且 真", filename="wf.yaml", schema=SCHEMA, language="zh"
        )
    assert [dsl.render(d) for d in caught.value.diagnostics] == [
        "wf.yaml:1:1: error: 未知字段 '最长逾期天'；您是否要找 '最长逾期天数'？"
    ]


def test_if_without_else_names_the_chinese_else() -> None:
    source = "规则集 t\n规则 a 当 如果 x 则 1 则 加 1\n等级 低 否则\n"
    assert rendered(source, schema=None) == (
        "r.rules:2:17: error: 规则 a 中表达式之后应为 '否则'\n"
        "    2 | 规则 a 当 如果 x 则 1 则 加 1\n"
        "      |                       ^^"
    )
    english = "ruleset t\nrule a when if x then 1 then add 1\ntiers low otherwise\n"
    assert "expected 'else' after the expression in rule a" in rendered(
        english, schema=None, language="en"
    )


# ---- every checker message has a Chinese form ----

CHECKER_CASES = [
    "规则集 t\n规则 a 当 真 则 加 1\n规则 a 当 真 则 加 1\n等级 低 否则\n",
    "规则集 t\n规则 a 当 真 则 等级至少 中间\n等级 高 当 score > 1 低 否则\n",
    "规则集 t\n设 u = 1\n等级 高 当 score > 1 中 当 score > 2 低 否则\n",
    "规则集 t\n等级 低 否则\n规则 a 当 真 则 加 1\n",
    "规则集 t\n等级 高 当 score > 1\n",
    '规则集 t\n规则 a 当 1 则 加 真, 预警 提示 "{未知} } {"\n等级 低 否则 中 否则\n',
    "规则集 t\n设 a = a\n设 score = 1\n设 最长逾期天数 = 1\n等级 低 否则\n",
    "规则集 t\n设 a = b\n设 b = 1\n规则 r 当 score > 1 则 加 r\n等级 低 否则\n",
    '规则集 t\n规则 a 当 如果 真 则 1 否则 "x" 则 加 -真\n等级 低 否则\n',
    '规则集 t\n规则 a 当 真 > 假 且 行业.x 则 加 1, 预警 提示 "{__x}"\n等级 低 否则\n',
]


@pytest.mark.parametrize("source", CHECKER_CASES)
def test_every_checker_message_is_translated(source: str) -> None:
    english = dsl.check_ruleset(source, filename="r.rules", schema=SCHEMA)
    chinese = dsl.check_ruleset(source, filename="r.rules", schema=SCHEMA, language="zh")
    assert english and [d.code for d in chinese] == [d.code for d in english]
    for diagnostic in chinese:
        # an untranslated message would be English words outside quotes
        for text in (diagnostic.message, diagnostic.hint or ""):
            unquoted = re.sub(r"'[^']*'|\{[^}]*\}", "", text)
            assert not re.search(r"[a-z]{3,}", unquoted), (diagnostic.code, text)
        assert re.search(r"[\u4e00-\u9fff]", diagnostic.message), diagnostic.message


def test_every_message_and_terminal_has_both_languages() -> None:
    assert all(english and chinese for english, chinese in SAY.values())
    assert set(TERMINAL_WORDS_ZH) <= set(TERMINAL_WORDS) | {"DATE", "CURRENCY"}
    accepted = {"NAME", "NUMBER", "STRING", "TRUE", "$END"}
    assert expected_words(accepted, CHINESE, "zh") == "一个值 或 文件结尾"
    assert expected_words(accepted, ENGLISH) == "a value or the end of the file"
    assert expected_words({"ELSE", "ELSE_OR_OTHERWISE"}, ENGLISH) == "'else'"
    assert expected_words({"ELSE", "ELSE_OR_OTHERWISE"}, CHINESE, "zh") == "'否则'"


def test_caret_stands_under_wide_text_after_an_ideographic_space() -> None:
    source = "规则集 t\n规则\u3000a\u3000当\u3000未知 > 1 则 加 1\n等级 低 否则\n"
    schema: dsl.Schema = {"已知": dsl.FieldInfo(dsl.ValueType.NUMBER)}
    assert rendered(source, schema=schema) == (
        "r.rules:2:8: error: 未知字段 '未知'；您是否要找 '已知'？\n"
        "    2 | 规则\u3000a\u3000当\u3000未知 > 1 则 加 1\n"
        "      |              ^^^^"
    )
