"""The 'rule can never fire' warning from a field's declared range (rules-language §5)."""

from __future__ import annotations

import pytest

import dsl
from dsl import FieldInfo, ValueType
from tests.dsl.conftest import messages_of, rendered, ruleset

SCHEMA: dsl.Schema = {
    "max_overdue_days": FieldInfo(ValueType.NUMBER, minimum=0),
    "utilisation": FieldInfo(ValueType.NUMBER, minimum=0, maximum=1),
    "score_pct": FieldInfo(ValueType.NUMBER),
}


def test_a_condition_outside_the_declared_range_is_warned_about() -> None:
    source = (
        "ruleset r\nrule negative\n  when max_overdue_days < 0\n  then add 5\ntiers low otherwise\n"
    )
    assert rendered(source, schema=SCHEMA) == (
        "r.rules:3:8: warning: rule negative can never fire: 'max_overdue_days' is declared at "
        "least 0\n"
        "    3 |   when max_overdue_days < 0\n"
        "      |        ^^^^^^^^^^^^^^^^^^^^"
    )


@pytest.mark.parametrize(
    ("condition", "warned"),
    [
        ("utilisation > 1", "'utilisation' is declared between 0 and 1"),
        ("utilisation >= 1", None),
        ("2 <= utilisation", "'utilisation' is declared between 0 and 1"),
        ("utilisation between 1.5 and 3", "'utilisation' is declared between 0 and 1"),
        (
            "utilisation > 0.5 and utilisation < 0.2",
            "its conditions on 'utilisation' exclude each other",
        ),
        ("utilisation > 0.5 or utilisation < 0.2", None),
        ("score_pct > 5 and score_pct < 1", "its conditions on 'score_pct' exclude each other"),
        ("score_pct > 5", None),
    ],
)
def test_range_analysis(condition: str, warned: str | None) -> None:
    source = ruleset(f"rule r when {condition} then add 1")
    expected = [f"warning: rule r can never fire: {warned}"] if warned else []
    assert messages_of(source, SCHEMA) == expected


def test_a_tier_named_like_a_currency_is_an_error() -> None:
    source = "ruleset r\ntiers\n  USD when score > 1\n  low otherwise\n"
    assert messages_of(source) == ["error: a tier cannot be named 'USD', like a currency code"]
