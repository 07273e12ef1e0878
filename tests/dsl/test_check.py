"""Names, types and structure checked before a ruleset compiles (rules-language §2, §5)."""

from __future__ import annotations

import pytest

import dsl
from dsl import FieldInfo, ValueType
from dsl.keywords import ENGLISH
from dsl.schema import ENGLISH_KEYWORDS
from tests.dsl.conftest import rendered, ruleset

SCHEMA: dsl.Schema = {
    "max_overdue_days": FieldInfo(ValueType.NUMBER),
    "name": FieldInfo(ValueType.TEXT),
    "industry": FieldInfo(ValueType.TEXT, options=("construction", "internet", "trade")),
    "has_guarantee": FieldInfo(ValueType.BOOLEAN),
    "credit_limit": FieldInfo(ValueType.MONEY),
    "address": FieldInfo(ValueType.RECORD, fields={"country": FieldInfo(ValueType.TEXT)}),
}


def messages(source: str, schema: dsl.Schema | None = SCHEMA) -> list[str]:
    return [
        f"{d.severity}: {d.message}"
        for d in dsl.check_ruleset(source, filename="r.rules", schema=schema)
    ]


def test_unknown_field_suggests_nearest_name() -> None:
    source = (
        'ruleset credit_risk "B2B credit risk"\nform customer\n\nlet x = 1\n\n'
        'rule overdue_90 "Overdue more than 90 days"\n'
        "  when max_overdue_dayz > 90\n  then add x\ntiers\n  low otherwise\n"
    )
    assert rendered(source, schema=SCHEMA, filename="credit.rules") == (
        "credit.rules:7:8: error: unknown field 'max_overdue_dayz'; "
        "did you mean 'max_overdue_days'?\n"
        "    7 |   when max_overdue_dayz > 90\n"
        "      |        ^^^^^^^^^^^^^^^^"
    )


def test_unknown_field_far_from_every_name_gets_no_suggestion() -> None:
    assert messages(ruleset("rule r when turnover > 1 then add 1")) == [
        "error: unknown field 'turnover'"
    ]


def test_unknown_nested_field_suggests_within_the_record() -> None:
    assert messages(ruleset('rule r when address.contry == "CN" then add 1')) == [
        "error: unknown field 'address.contry'; did you mean 'address.country'?"
    ]


def test_without_schema_names_are_read_as_they_come() -> None:
    source = ruleset("rule r when turnover > 1 and address.anything == 2 then add 1")
    assert messages(source, schema=None) == []


def test_duplicate_ids_share_one_namespace() -> None:
    source = ruleset("let a = 1", "rule a when a > 0 then add 1", "rule name when true then add 1")
    assert messages(source) == [
        "error: 'a' is already defined on line 2",
        "error: 'name' is already the name of a field",
    ]


def test_let_used_before_it_is_defined() -> None:
    source = ruleset("let a = b + 1", "let b = 2", "rule r when a > 1 then add 1")
    assert messages(source) == [
        "error: let 'b' is used before it is defined; a let can only use the lets written above it"
    ]


def test_let_cycles_are_reported() -> None:
    source = ruleset(
        "let a = b + 1", "let b = a * 2", "let c = c", "rule r when a + c > 1 then add 1"
    )
    assert messages(source) == [
        "error: lets 'a' and 'b' use each other",
        "error: let 'c' uses itself",
    ]


def test_let_never_used_is_a_warning_and_does_not_block_compiling() -> None:
    source = ruleset("let spare = 1", "rule r when true then add 1")
    compiled = dsl.compile_ruleset(source, filename="r.rules", schema=SCHEMA)
    assert [dsl.render(w, source) for w in compiled.warnings] == [
        "r.rules:2:5: warning: let 'spare' is never used\n    2 | let spare = 1\n      |     ^^^^^"
    ]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("name > 3", "error: cannot compare text with a number"),
        ('max_overdue_days == "90"', "error: cannot compare a number with text"),
        ("name + 1 > 2", "error: '+' needs a number, but this is text"),
        ("has_guarantee > false", "error: '>' cannot order true or false values"),
        (
            "max_overdue_days",
            "error: the condition of rule r must be true or false, but this is a number",
        ),
        ("not name", "error: the value after 'not' must be true or false, but this is text"),
        ("name and true", "error: each side of 'and' must be true or false, but this is text"),
        (
            '(if true then 1 else "a") == 1',
            "error: 'if' gives a number on one branch and text on the other",
        ),
        (
            'industry == "constuction"',
            "error: 'constuction' is not an option of 'industry'; did you mean 'construction'?",
        ),
        ('industry in ["trade", "farming"]', "error: 'farming' is not an option of 'industry'"),
        ("credit_limit > 1_000 and max_overdue_days between 1 and 2", None),
        ('industry not in ["trade"]', None),
    ],
)
def test_type_errors(condition: str, message: str | None) -> None:
    source = ruleset(f"rule r when {condition} then add 1")
    assert messages(source) == ([message] if message else [])


def test_add_needs_a_number() -> None:
    assert messages(ruleset("rule r when true then add name")) == [
        "error: 'add' needs a number, but this is text"
    ]


def test_choice_option_error_lists_the_options_when_nothing_is_close() -> None:
    (diagnostic,) = dsl.check_ruleset(
        ruleset('rule r when industry == "farming" then add 1'), filename="r", schema=SCHEMA
    )
    assert diagnostic.hint == "the options are 'construction', 'internet', 'trade'"


def test_missing_tiers_block_is_reported_at_the_end() -> None:
    source = "ruleset r\nrule a when true then add 1\n"
    assert rendered(source) == (
        "r.rules:2:28: error: the ruleset has no tiers block: end it with 'tiers' and rows down "
        "to 'otherwise'\n"
        "    2 | rule a when true then add 1\n"
        "      |                            ^"
    )


def test_missing_otherwise_row() -> None:
    source = ruleset("rule a when true then add 1", tiers="tiers\n  high when score > 1")
    assert messages(source) == ["error: the tiers block must end with a row 'TIER otherwise'"]


def test_rows_after_otherwise_and_duplicate_tiers() -> None:
    source = ruleset(
        "rule a when true then add 1",
        tiers="tiers\n  low otherwise\n  high when score > 1\n  low otherwise",
    )
    assert messages(source) == [
        "error: tier 'high' comes after 'low otherwise' and can never be chosen",
        "error: tier 'low' is already defined on line 4",
        "error: tier 'low' comes after 'low otherwise' and can never be chosen",
    ]


def test_tiers_block_must_come_last() -> None:
    source = "ruleset r\ntiers\n  low otherwise\nrule a when true then add 1\n"
    assert messages(source) == ["error: the tiers block must come last, after every let and rule"]


def test_tier_at_least_must_name_a_tier() -> None:
    source = ruleset(
        "rule a when true then tier at least hihg",
        tiers="tiers\n  high when score > 1\n  low otherwise",
    )
    assert messages(source) == ["error: unknown tier 'hihg'; did you mean 'high'?"]


def test_shadowed_tier_row_is_a_warning() -> None:
    source = ruleset(
        "rule a when true then add 1",
        tiers="tiers\n  high when score >= 30\n  higher when score >= 60\n"
        "  mid when score >= 30\n  low otherwise",
    )
    assert messages(source) == [
        "warning: tier 'higher' can never be chosen: tier 'high' above it takes every case it "
        "would",
        "warning: tier 'mid' can never be chosen: tier 'high' above it takes every case it would",
    ]


def test_score_is_readable_only_in_tiers() -> None:
    assert messages(ruleset("rule a when score > 1 then add 1")) == [
        "error: 'score' can only be read in the tiers block"
    ]
    assert messages(ruleset("rule score when true then add 1")) == [
        "error: 'score' cannot be used as an id"
    ]


def test_alert_placeholders_and_severity_are_checked() -> None:
    source = ruleset(
        'rule a when true then alert critcal "{nme} {address.country} {x}"',
        "let x = 1",
    )
    assert messages(source) == [
        "error: unknown alert severity 'critcal'; did you mean 'critical'?",
        "error: unknown name '{nme}' in the message; did you mean '{name}'?",
    ]


def test_unbalanced_braces_in_a_message() -> None:
    source = ruleset('rule a when true then alert info "a } b { c"')
    assert messages(source, schema=None) == [
        "error: a '}' in a message must be written '}}'",
        "error: this '{' is never closed; write '{{' for a literal brace",
    ]


def test_a_rule_is_not_a_value() -> None:
    source = ruleset("rule a when true then add 1", "rule b when a then add 1")
    assert messages(source, schema=None) == ["error: 'a' is a rule, not a value"]


def test_nesting_deeper_than_64_levels_is_a_clear_error() -> None:
    deep = "(" * 65 + "x" + ")" * 65
    source = ruleset(f"rule a when {deep} > 1 then add 1")
    assert rendered(source) == (
        "r.rules:2:76: error: this expression is nested more than 64 levels deep; split it into "
        "several lets\n"
        f"    2 | rule a when {deep} > 1 then add 1\n"
        "      |" + " " * 76 + "^^^^^"
    )


def test_nesting_of_64_levels_compiles() -> None:
    deep = "(" * 63 + "x" + ")" * 63
    compiled = dsl.compile_ruleset(ruleset(f"rule a when {deep} > 1 then add 1"), filename="r")
    assert compiled.evaluate({"x": 2}, as_of=__import__("datetime").date(2025, 1, 1)).score == 1


def test_keyword_table_covers_every_reserved_english_word() -> None:
    assert set(ENGLISH.words) == set(ENGLISH_KEYWORDS)


def test_expression_expecting_a_condition_rejects_a_number() -> None:
    with pytest.raises(dsl.RulesError) as caught:
        dsl.compile_expression(
            "credit_limit * 2",
            filename="wf.yaml",
            schema=SCHEMA,
            expect=ValueType.BOOLEAN,
            line=3,
            column=15,
        )
    assert [dsl.render(d) for d in caught.value.diagnostics] == [
        "wf.yaml:3:15: error: this condition must be true or false, but this is an amount of money"
    ]


def test_expression_parameter_checks_names_against_the_schema() -> None:
    parameter = dsl.compile_expression(
        "credit_limit * 50%", filename="wf.yaml", schema=SCHEMA, expect=ValueType.NUMBER
    )
    assert parameter.names == frozenset({"credit_limit"})
    assert parameter.evaluate({"credit_limit": 1000}) == 500
    with pytest.raises(dsl.RulesError) as caught:
        dsl.compile_expression(
            "credit_limt * 50%", filename="wf.yaml", schema=SCHEMA, line=7, column=20
        )
    assert [dsl.render(d) for d in caught.value.diagnostics] == [
        "wf.yaml:7:20: error: unknown field 'credit_limt'; did you mean 'credit_limit'?"
    ]
