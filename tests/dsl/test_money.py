"""Money (rules-language §5): literals, fields in any currency, rates on as_of, missing rates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import dsl
from dsl import FieldInfo, ValueType
from tests.dsl.conftest import AS_OF, ruleset
from tests.dsl.test_paths_agree import SlowPathOnly

SCHEMA: dsl.Schema = {
    "credit_limit": FieldInfo(ValueType.MONEY),
    "revenue": FieldInfo(ValueType.MONEY),
    "employees": FieldInfo(ValueType.NUMBER),
}
RATES = {("USD", AS_OF): 7.25, ("EUR", AS_OF): 7.75}
asked: list[tuple[str, date]] = []


def fx(currency: str, day: date) -> float | None:
    asked.append((currency, day))
    return RATES.get((currency, day))


def evaluate(source: str, record: dict[str, Any], **kwargs: Any) -> dsl.Result:
    compiled = dsl.compile_ruleset(source, filename="r.rules", base_currency="CNY", **kwargs)
    fast = compiled.evaluate(record, as_of=AS_OF, fx=fx)
    slow = compiled.evaluate(SlowPathOnly(record), as_of=AS_OF, fx=fx)
    assert fast.to_dict() == slow.to_dict()
    return fast


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("50_000_000 CNY", 50_000_000),
        ("2.5 million CNY", 2_500_000),
        ("2.5 million", 2_500_000),
        ("0.1 million USD", 725_000),
        ("-3 USD", -21.75),
        ("10 EUR + 10 USD", 150),
        ("1 GBP", None),
    ],
)
def test_money_literals_are_converted_to_the_base_currency(expression: str, expected: Any) -> None:
    compiled = dsl.compile_expression(expression, filename="e", base_currency="CNY")
    assert compiled.evaluate({}, as_of=AS_OF, fx=fx) == expected


@pytest.mark.parametrize("schema", [SCHEMA, None], ids=["with-schema", "without-schema"])
def test_a_money_field_in_the_base_currency_or_as_a_number(schema: dsl.Schema | None) -> None:
    source = ruleset("rule big when credit_limit >= 1 million CNY then add 10")
    assert evaluate(source, {"credit_limit": 1_000_000}, schema=schema).score == 10
    record = {"credit_limit": {"amount": 1_000_000, "currency": "CNY"}}
    assert evaluate(source, record, schema=schema).score == 10


def test_a_money_field_in_another_currency_is_converted_on_as_of() -> None:
    asked.clear()
    source = ruleset("rule big when credit_limit > 5 million then add 10")
    record = {"credit_limit": {"amount": 700_000, "currency": "USD"}}
    result = evaluate(source, record, schema=SCHEMA)
    assert (result.score, result.missing_rates) == (10, ())
    assert set(asked) == {("USD", AS_OF)}
    assert result.fired[0].inputs == {"credit_limit": 5_075_000}


def test_no_rate_makes_the_value_missing_and_says_which_rate() -> None:
    source = ruleset(
        "let ratio = revenue / credit_limit",
        "rule big when credit_limit > 100 then add 10",
        "rule small when not (credit_limit > 100) then add 1",
    )
    record = {"credit_limit": {"amount": 700, "currency": "GBP"}, "revenue": 10}
    result = evaluate(source, record, schema=SCHEMA)
    assert result.score == 1
    assert result.values == {"ratio": None}
    assert result.missing_rates == ("GBP",)
    assert result.missing == ()  # the field is there; its rate is what is lacking


def test_money_mixes_with_plain_numbers_in_the_base_currency() -> None:
    source = ruleset("rule r when credit_limit / employees > 10 USD then add 1")
    record = {"credit_limit": {"amount": 1000, "currency": "EUR"}, "employees": 100}
    assert evaluate(source, record, schema=SCHEMA).score == 1  # 77.5 CNY > 72.5 CNY


def test_without_a_base_currency_every_currency_needs_a_rate() -> None:
    compiled = dsl.compile_expression("100 CNY", filename="e")
    assert compiled.evaluate({}, as_of=AS_OF) is None
    assert compiled.evaluate({}, as_of=AS_OF, fx=lambda c, d: 1) == 100


def test_a_currency_code_is_a_unit_only_after_a_number() -> None:
    compiled = dsl.compile_expression("USD + 1", filename="e")
    assert compiled.evaluate({"USD": 2}) == 3


def test_money_in_messages_shows_amount_and_currency() -> None:
    source = ruleset('rule r when true then alert info "limit {credit_limit}"')
    record = {"credit_limit": {"amount": 1234.5, "currency": "USD"}}
    assert evaluate(source, record).alerts[0].message == "limit 1234.5 USD"
