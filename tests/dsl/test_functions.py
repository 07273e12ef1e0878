"""The functions of rules-language §3: values, missing arguments, argument checks."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import dsl
from dsl import FieldInfo, ValueType
from tests.dsl.conftest import AS_OF

SCHEMA: dsl.Schema = {
    "name": FieldInfo(ValueType.TEXT),
    "amount": FieldInfo(ValueType.NUMBER),
    "founded": FieldInfo(ValueType.DATE),
}


def value(expression: str, record: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    compiled = dsl.compile_expression(expression, filename="e", **kwargs)
    return compiled.evaluate(record or {}, as_of=AS_OF)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("abs(-3.5)", 3.5),
        ("abs(x)", None),
        ("min(3, 1, 2)", 1),
        ("max(3, x, 2)", 3),
        ("min(x, y)", None),
        ("max(2024-01-01, 2025-03-01)", date(2025, 3, 1)),
        ("round(2.675, 2)", 2.68),
        ("round(-2.5, 0)", -3),
        ("round(1234.5, -2)", 1200),
        ("round(0.125, 2)", 0.13),
        ("round(7, 1)", 7),
        ("round(2.5)", 3),
        ('lower("ACME Ltd")', "acme ltd"),
        ('upper("acme")', "ACME"),
        ('contains("ACME Trading", "Trad")', True),
        ('contains("ACME", "x")', False),
        ('starts_with("ACME Trading", "ACME")', True),
        ('length("合同")', 2),
        ("length(x)", None),
        ("today()", AS_OF),
        ("days_since(2025-06-01)", 29),
        ("days_until(2025-07-30)", 30),
        ("years_since(2020-07-01)", 4),
        ("years_since(2020-06-30)", 5),
        ("coalesce(x, y, 7, 8)", 7),
        ("coalesce(x)", None),
    ],
)
def test_function_values(expression: str, expected: Any) -> None:
    found = value(expression)
    assert found == expected and type(found) is type(expected)


def test_functions_read_fields_and_coerce_iso_dates() -> None:
    record = {"name": "Acme", "amount": -4, "founded": "2015-06-30T08:00:00+08:00"}
    assert value("years_since(founded)", record, schema=SCHEMA) == 10
    assert value("years_since(founded)", record) == 10
    assert value("abs(amount) + length(name)", record, schema=SCHEMA) == 8
    assert value("today()", record | {"today": 1}) == AS_OF


def test_a_function_of_text_given_a_number_is_missing_at_run_time() -> None:
    assert value("lower(x)", {"x": 5}) is None
    assert value('lower(x) == "a"', {"x": 5}) is False


def test_without_as_of_today_is_missing() -> None:
    compiled = dsl.compile_expression("days_since(2025-01-01)", filename="e")
    assert compiled.evaluate({}) is None


def _error(expression: str, schema: dsl.Schema | None = None) -> str:
    with pytest.raises(dsl.RulesError) as caught:
        dsl.compile_expression(expression, filename="g.yaml", schema=schema)
    return dsl.render_all(caught.value.diagnostics, {"g.yaml": expression})


def test_unknown_function_suggests_the_nearest() -> None:
    assert _error("lenght(name) > 3") == (
        "g.yaml:1:1: error: unknown function 'lenght'; did you mean 'length'?\n"
        "    1 | lenght(name) > 3\n"
        "      | ^^^^^^"
    )


def test_wrong_number_of_arguments() -> None:
    assert _error("round(1, 2, 3) > 1") == (
        "g.yaml:1:1: error: 'round' takes 1 to 2 values\n"
        "    1 | round(1, 2, 3) > 1\n"
        "      | ^^^^^^^^^^^^^^"
    )
    assert _error("today(1)").splitlines()[0] == "g.yaml:1:1: error: 'today' takes no values"


def test_wrong_argument_type() -> None:
    assert _error("upper(amount)", SCHEMA) == (
        "g.yaml:1:7: error: 'upper' needs text, but this is a number\n"
        "    1 | upper(amount)\n"
        "      |       ^^^^^^"
    )
    assert _error("days_since(name) > 3", SCHEMA).splitlines()[0] == (
        "g.yaml:1:12: error: 'days_since' needs a date, but this is text"
    )
    assert _error('min(amount, "a") > 1', SCHEMA).splitlines()[0] == (
        "g.yaml:1:13: error: 'min' needs values of one kind, but this is text and the first is "
        "a number"
    )


def test_function_results_have_types() -> None:
    assert _error('contains(name, "x") + 1', SCHEMA).splitlines()[0] == (
        "g.yaml:1:1: error: '+' needs a number, but this is true or false"
    )


def test_every_function_the_checker_knows_has_generated_code_and_a_helper() -> None:
    from dsl import codegen, runtime
    from dsl.functions import SIGNATURES

    tables = (codegen._FUNCTIONS, codegen._AS_OF_FUNCTIONS, codegen._FIELD_FUNCTIONS)
    generated = {name for table in tables for name in table} | {"today"}  # today() is `D`
    assert set(SIGNATURES) == generated
    assert {helper for table in tables for helper in table.values()} <= set(runtime.HELPERS)
