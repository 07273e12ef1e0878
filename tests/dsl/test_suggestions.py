""" "Did you mean" suggestions (rules-language §5, STYLE §3): by edit distance, only from names in
scope where the mistake stands, and only when close. Whole rendered diagnostics."""

from __future__ import annotations

import pytest

import dsl

SCHEMA: dsl.Schema = {
    "max_overdue_days": dsl.FieldInfo(dsl.ValueType.NUMBER),
    "industry": dsl.FieldInfo(dsl.ValueType.TEXT, options=("construction", "internet", "trade")),
    "address": dsl.FieldInfo(
        dsl.ValueType.RECORD, fields={"country": dsl.FieldInfo(dsl.ValueType.TEXT)}
    ),
}
EVENTS: dict[str, dsl.Schema] = {
    "lawsuit": {"amount": dsl.FieldInfo(dsl.ValueType.MONEY)},
    "invoice": {"overdue": dsl.FieldInfo(dsl.ValueType.NUMBER)},
}


def rendered(*lines: str, tiers: str = "tiers\n  high when score >= 60\n  low otherwise") -> str:
    source = "\n".join(["ruleset t", "form customer", *lines, tiers, ""])
    diagnostics = dsl.check_ruleset(source, filename="r.rules", schema=SCHEMA, events=EVENTS)
    return dsl.render_all(diagnostics, {"r.rules": source})


def test_field() -> None:
    assert rendered("rule a when max_overdue_dayz > 90 then add 30") == (
        "r.rules:3:13: error: unknown field 'max_overdue_dayz'; did you mean 'max_overdue_days'?\n"
        "    3 | rule a when max_overdue_dayz > 90 then add 30\n"
        "      |             ^^^^^^^^^^^^^^^^"
    )


def test_nested_field() -> None:
    assert rendered('rule a when address.countyr == "CN" then add 1') == (
        "r.rules:3:21: error: unknown field 'address.countyr'; did you mean 'address.country'?\n"
        '    3 | rule a when address.countyr == "CN" then add 1\n'
        "      |                     ^^^^^^^"
    )


def test_let() -> None:
    assert rendered("let utilisation = 1", "rule a when utilisaton > 0.9 then add 15") == (
        "r.rules:3:5: warning: let 'utilisation' is never used\n"
        "    3 | let utilisation = 1\n"
        "      |     ^^^^^^^^^^^\n"
        "r.rules:4:13: error: unknown field 'utilisaton'; did you mean 'utilisation'?\n"
        "    4 | rule a when utilisaton > 0.9 then add 15\n"
        "      |             ^^^^^^^^^^"
    )


def test_function() -> None:
    assert rendered("rule a when lenght(industry) > 3 then add 1") == (
        "r.rules:3:13: error: unknown function 'lenght'; did you mean 'length'?\n"
        "    3 | rule a when lenght(industry) > 3 then add 1\n"
        "      |             ^^^^^^"
    )


def test_event_kind() -> None:
    assert rendered("rule a when count(lawsiut within 365 days) >= 3 then add 20") == (
        "r.rules:3:19: error: unknown event kind 'lawsiut'; did you mean 'lawsuit'?\n"
        "    3 | rule a when count(lawsiut within 365 days) >= 3 then add 20\n"
        "      |                   ^^^^^^^"
    )


def test_event_field() -> None:
    assert rendered("rule a when sum(lawsuit.amout within 365 days) > 0 then add 1") == (
        "r.rules:3:25: error: unknown field 'amout' of event kind 'lawsuit'; "
        "did you mean 'amount'?\n"
        "    3 | rule a when sum(lawsuit.amout within 365 days) > 0 then add 1\n"
        "      |                         ^^^^^"
    )


def test_event_field_inside_where() -> None:
    assert rendered(
        "rule a when count(invoice within 90 days where overdeu > 30) > 0 then add 1"
    ) == (
        "r.rules:3:48: error: unknown field 'overdeu'; did you mean 'overdue'?\n"
        "    3 | rule a when count(invoice within 90 days where overdeu > 30) > 0 then add 1\n"
        "      |                                                ^^^^^^^"
    )


def test_tier() -> None:
    assert rendered("rule a when max_overdue_days > 90 then tier at least hgh") == (
        "r.rules:3:54: error: unknown tier 'hgh'; did you mean 'high'?\n"
        "    3 | rule a when max_overdue_days > 90 then tier at least hgh\n"
        "      |                                                      ^^^"
    )


def test_alert_severity() -> None:
    assert rendered('rule a when max_overdue_days > 90 then alert critcal "late"') == (
        "r.rules:3:46: error: unknown alert severity 'critcal'; did you mean 'critical'?\n"
        '    3 | rule a when max_overdue_days > 90 then alert critcal "late"\n'
        "      |                                              ^^^^^^^"
    )


def test_choice_option() -> None:
    assert rendered('rule a when industry == "constrction" then add 8') == (
        "r.rules:3:25: error: 'constrction' is not an option of 'industry'; "
        "did you mean 'construction'?\n"
        '    3 | rule a when industry == "constrction" then add 8\n'
        "      |                         ^^^^^^^^^^^^^"
    )


def test_message_placeholder() -> None:
    assert rendered(
        'rule a when max_overdue_days > 90 then alert info "{max_overdue_dys} days"'
    ) == (
        "r.rules:3:52: error: unknown name '{max_overdue_dys}' in the message; "
        "did you mean '{max_overdue_days}'?\n"
        '    3 | rule a when max_overdue_days > 90 then alert info "{max_overdue_dys} days"\n'
        "      |                                                    ^^^^^^^^^^^^^^^^^"
    )


# ---- only when close, only names in scope ----


@pytest.mark.parametrize(
    ("line", "message"),
    [
        # far from every name: no guess
        ("rule a when turnover > 90 then add 1", "unknown field 'turnover'"),
        ("rule a when frobnicate(1) > 0 then add 1", "unknown function 'frobnicate'"),
        ("rule a when count(fine within 30 days) > 0 then add 1", "unknown event kind 'fine'"),
        ("rule a when true then tier at least severe", "unknown tier 'severe'"),
        # an event's field is in scope only inside `where` of a query on that kind
        ("rule a when overdeu > 0 then add 1", "unknown field 'overdeu'"),
        # a rule id is not a value: never suggested for a field
        ("rule overdue_rule when overdue_rul > 0 then add 1", "unknown field 'overdue_rul'"),
    ],
)
def test_no_suggestion_when_nothing_in_scope_is_close(line: str, message: str) -> None:
    source = "\n".join(["ruleset t", "form customer", line, "tiers", "  high when score >= 60"])
    source += "\n  low otherwise\n"
    diagnostics = dsl.check_ruleset(source, filename="r.rules", schema=SCHEMA, events=EVENTS)
    assert [d.message for d in diagnostics if d.is_error] == [message]


def test_score_is_suggested_only_inside_tiers() -> None:
    assert rendered("rule a when scor > 1 then add 1") == (
        "r.rules:3:13: error: unknown field 'scor'\n"
        "    3 | rule a when scor > 1 then add 1\n"
        "      |             ^^^^"
    )
    assert rendered(tiers="tiers\n  high when scor >= 60\n  low otherwise") == (
        "r.rules:4:13: error: unknown field 'scor'; did you mean 'score'?\n"
        "    4 |   high when scor >= 60\n"
        "      |             ^^^^"
    )


def test_suggestions_in_chinese() -> None:
    source = "ruleset t\nform customer\nrule a when true then tier at least hgh\n"
    source += "tiers\n  high when score >= 60\n  low otherwise\n"
    diagnostics = dsl.check_ruleset(source, filename="r.rules", schema=SCHEMA, language="zh")
    assert [d.message for d in diagnostics] == ["未知等级 'hgh'；您是否要找 'high'？"]
