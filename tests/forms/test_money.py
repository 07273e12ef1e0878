"""Money values: a number in the base currency or an amount in a currency, validated part by part,
stored in one shape, typed as a finance team writes them (docs/forms.md, "Money")."""

from __future__ import annotations

from typing import Any

import pytest

import forms
from forms import CellError, coerce_cell
from forms.validation import build_validator
from tests.forms.test_field_types import form_of

MONEY = forms.FieldType.MONEY


@pytest.mark.parametrize(
    ("value", "path", "code", "message"),
    [
        (
            {"amount": 5},
            ("v",),
            "bad-money",
            'V must be an amount, or an amount and a currency such as {"amount": 1200.5, '
            '"currency": "USD"}',
        ),
        (
            {"amount": 5, "currency": "USD", "rate": 7},
            ("v",),
            "bad-money",
            'V must be an amount, or an amount and a currency such as {"amount": 1200.5, '
            '"currency": "USD"}',
        ),
        (
            {"amount": "5", "currency": "USD"},
            ("v", "amount"),
            "wrong-type",
            "the amount of V must be a number, found the text '5'",
        ),
        (
            {"amount": 5, "currency": "RMB"},
            ("v", "currency"),
            "bad-currency",
            "the currency of V must be a currency code (ISO 4217) such as USD, "
            "found the text 'RMB'",
        ),
        (
            {"amount": -1, "currency": "USD"},
            ("v", "amount"),
            "below-minimum",
            "the amount of V must be at least 0",
        ),
        (
            {"amount": 10**17, "currency": "USD"},
            ("v", "amount"),
            "out-of-range",
            "V is too large: at most 16 digits before the point",
        ),
        (-1, ("v",), "below-minimum", "V must be at least 0"),
    ],
)
def test_each_part_of_a_money_value_is_checked_at_its_path(
    value: Any, path: tuple[str, ...], code: str, message: str
) -> None:
    form = form_of(MONEY, ", min: 0")
    (error,) = forms.validate(form, {"v": value})
    assert (error.path, error.code, error.message) == (path, code, message)
    assert forms.path_text(error.path) == ".".join(path)
    # the JSON Schema refuses what validation refuses, but for what only validation bounds
    if code != "out-of-range":
        assert not build_validator(form.json_schema()).is_valid({"v": value})


def test_an_amount_in_a_currency_is_stored_in_one_shape() -> None:
    form = form_of(MONEY)
    data = {"v": {"currency": "USD", "amount": 1200.0}}
    assert forms.validate(form, data) == ()
    stored = forms.normalise(form, data)
    assert stored == {"v": {"amount": 1200, "currency": "USD"}}
    assert list(stored["v"]) == ["amount", "currency"]
    assert forms.normalise(form, {"v": 12.5}) == {"v": 12.5}  # the base currency, as it is


def test_the_json_schema_offers_both_shapes() -> None:
    schema = form_of(MONEY, ", min: 0").json_schema()["properties"]["v"]
    assert schema["type"] == ["number", "object", "null"]
    assert schema["minimum"] == 0
    assert schema["properties"]["amount"] == {"type": "number", "minimum": 0}
    assert "USD" in schema["properties"]["currency"]["enum"]
    assert (schema["required"], schema["additionalProperties"]) == (["amount", "currency"], False)


def test_the_rules_read_money_fields_as_money() -> None:
    (field,) = form_of(MONEY).fields
    assert field.field_info().type is forms.FieldType.MONEY.value_type
    assert str(field.field_info().type) == "money"


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("1,200,000", 1_200_000),
        ("USD 1,200.50", {"amount": 1200.5, "currency": "USD"}),
        ("1,200.50 usd", {"amount": 1200.5, "currency": "USD"}),
        ("1200EUR", {"amount": 1200, "currency": "EUR"}),
        ("ＵＳＤ　１，２００", {"amount": 1200, "currency": "USD"}),  # full-width
        (2500.5, 2500.5),  # an XLSX number
        # a code that is no currency reads as one; validation refuses it (bad-currency)
        ("5 XYZ", {"amount": 5, "currency": "XYZ"}),
    ],
)
def test_a_typed_amount_reads_with_its_currency_code(cell: Any, value: Any) -> None:
    (field,) = form_of(MONEY).fields
    assert coerce_cell(field, cell) == value


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("¥100", "currency-sign"),
        ("$ 1,200", "currency-sign"),
        ("100 €", "currency-sign"),
        ("USD", "not-a-number"),
        ("USD 1.234,56", "ambiguous-number"),
        ("USD 30%", "percent-sign"),
    ],
)
def test_a_typed_amount_that_is_not_clear_is_refused(cell: str, code: str) -> None:
    (field,) = form_of(MONEY).fields
    with pytest.raises(CellError) as caught:
        coerce_cell(field, cell)
    assert caught.value.code == code


def test_a_money_default_is_a_number_in_the_base_currency() -> None:
    (diagnostic,) = forms.check_form(
        "form: f\nfields:\n  - {id: v, type: money, default: {amount: 5, currency: USD}}\n",
        filename="f.yaml",
    )
    assert diagnostic.code == "bad-default"
    assert "must be a number (in the base currency)" in diagnostic.message
