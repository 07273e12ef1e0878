"""Syntax errors in a credit manager's words, all of a file at once (rules-language §6)."""

from __future__ import annotations

import pytest

import dsl
from tests.dsl.conftest import rendered


def test_missing_then_names_the_rule_and_the_condition() -> None:
    source = 'ruleset r\nrule overdue_90 "Overdue"\n  when max_overdue_days > 90\n  add 30\n'
    assert rendered(source) == (
        "r.rules:4:3: error: expected 'then' after the condition of rule overdue_90\n"
        "    4 |   add 30\n"
        "      |   ^^^"
    )


def test_several_syntax_errors_are_reported_at_once() -> None:
    source = (
        "ruleset r\n"
        'rule overdue_90 "Overdue"\n'
        "  when max_overdue_days > 90\n"
        "  add 30\n"
        "rule b When x then add 1\n"
        "rule c when y = 2 then add 1\n"
        "rule d when y > 2 then add30\n"
        "tiers low otherwise\n"
    )
    assert rendered(source) == (
        "r.rules:4:3: error: expected 'then' after the condition of rule overdue_90\n"
        "    4 |   add 30\n"
        "      |   ^^^\n"
        "r.rules:5:8: error: expected 'when' or text in double quotes after rule b\n"
        "    5 | rule b When x then add 1\n"
        "      |        ^^^^\n"
        "      = hint: keywords are written in lower case: 'when'\n"
        "r.rules:6:15: error: expected 'then' after the condition of rule c\n"
        "    6 | rule c when y = 2 then add 1\n"
        "      |               ^\n"
        "      = hint: to compare two values write '=='\n"
        "r.rules:7:24: error: expected 'add', 'subtract', 'alert', 'flag' or 'tier at least' "
        "after 'then' in rule d\n"
        "    7 | rule d when y > 2 then add30\n"
        "      |                        ^^^^^\n"
        "      = hint: put a space after 'add': 'add 30'"
    )


def test_end_of_input_error_points_at_the_end_of_the_text() -> None:
    source = "ruleset r\nrule a when x > 1\n\n   \n"
    assert rendered(source) == (
        "r.rules:2:18: error: expected 'then' after the condition of rule a, but the file ended\n"
        "    2 | rule a when x > 1\n"
        "      |                  ^"
    )


def test_broken_header_still_reports_errors_in_later_rules() -> None:
    source = "ruleset\nrule a when x > then add 1\ntiers low otherwise\n"
    messages = [d.message for d in dsl.check_ruleset(source, filename="r.rules")]
    assert messages == [
        "expected a name after 'ruleset'",
        "expected a value after '>' in rule a",
    ]


def test_comparisons_cannot_be_chained() -> None:
    source = "ruleset r\nrule a when 1 < x < 3 then add 1\ntiers low otherwise\n"
    assert rendered(source) == (
        "r.rules:2:19: error: expected 'then' after the condition of rule a\n"
        "    2 | rule a when 1 < x < 3 then add 1\n"
        "      |                   ^\n"
        "      = hint: comparisons cannot be chained: join two comparisons with 'and'"
    )


def test_only_two_escapes_are_allowed_in_text() -> None:
    source = 'ruleset r\nrule a when x == "a\\n" then add 1\ntiers low otherwise\n'
    assert rendered(source) == (
        "r.rules:2:20: error: '\\n' is not allowed in text: only \\\" and \\\\ are escapes\n"
        '    2 | rule a when x == "a\\n" then add 1\n'
        "      |                    ^^\n"
        "      = hint: write \\\\ for a backslash"
    )


def test_unclosed_text_is_reported() -> None:
    source = 'ruleset r\nrule a when x == "abc then add 1\ntiers low otherwise\n'
    assert [d.message for d in dsl.check_ruleset(source, filename="r.rules")] == [
        "this text has no closing '\"' on its line"
    ]


def test_keyword_used_as_a_name_is_explained() -> None:
    source = "ruleset r\nrule a when within > 1 then add 1\ntiers low otherwise\n"
    (diagnostic,) = dsl.check_ruleset(source, filename="r.rules")
    assert diagnostic.message == "expected a value after 'when' in rule a"
    assert diagnostic.hint == "'within' is a keyword and cannot be used as a name"


def test_full_width_punctuation_gets_a_hint() -> None:
    source = "ruleset r\nrule a when x > 1 then add 1，flag f\ntiers low otherwise\n"
    (diagnostic,) = dsl.check_ruleset(source, filename="r.rules")
    assert diagnostic.message == "unexpected character '，'"
    assert diagnostic.hint == "write the ASCII ',' instead of the full-width '，'"


def test_multi_word_keywords_need_their_own_words() -> None:
    source = "ruleset r\nrule a when x not inside [1] then add 1\ntiers low otherwise\n"
    (diagnostic,) = dsl.check_ruleset(source, filename="r.rules")
    assert diagnostic.message == "expected 'then' after the condition of rule a"


def test_syntax_error_in_an_expression_is_placed_in_its_file() -> None:
    with pytest.raises(dsl.RulesError) as caught:
        dsl.compile_expression("credit_limit *", filename="wf.yaml", line=12, column=30)
    assert [dsl.render(d) for d in caught.value.diagnostics] == [
        "wf.yaml:12:44: error: expected a value after '*', but the expression ended"
    ]


def test_compile_ruleset_raises_rules_error_with_every_diagnostic() -> None:
    source = "ruleset r\nrule a when x > then add 1\nrule b when then add 1\ntiers low otherwise"
    with pytest.raises(dsl.RulesError) as caught:
        dsl.compile_ruleset(source, filename="r.rules")
    assert isinstance(caught.value, dsl.DiagnosticsError)
    assert [d.span.line for d in caught.value.diagnostics if d.span] == [2, 3]
