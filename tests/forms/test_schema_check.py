"""The compiled check of a form's JSON Schema (forms.schema_check) agrees with the validator: it
never passes data the validator refuses, and it passes the valid data of every field type, so
validation skips jsonschema for valid rows without losing an error."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import forms
from forms.validation import build_check, build_validator
from tests.forms.test_field_types import form_of

EXAMPLE_FORM = Path(__file__).parents[2] / "examples/manufacturing_credit/forms/customer.yaml"

# values of no field type, or on the edge of one (a JSON number as a bool, NaN, a Decimal)
ODD_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    1.0,
    2.5,
    float("nan"),
    float("inf"),
    Decimal("1.5"),
    "",
    "x" * 5000,
    [],
    [None],
    ["a", "a"],
    {},
    {"amount": 5},
    {"amount": 5, "currency": "USD"},
    {"amount": float("nan"), "currency": "USD"},
    {"amount": 5, "currency": "usd"},
    {"amount": -5, "currency": "USD"},
)

# a field type's variants: optional, required, bounded
VARIANTS = ("", ", required: true", ", min: 0, max: 10")


def _agrees(form: forms.Form, data: Any) -> bool:
    """The check passes `data` only when the validator finds no error in it."""
    holds = form.schema_check()(data)
    errors = list(form.validator().iter_errors(data))
    return not (holds and errors)


def _variants(kind: forms.FieldType) -> list[forms.Form]:
    found = []
    for extra in VARIANTS:
        try:
            found.append(form_of(kind, extra))
        except forms.FormError:  # a type that takes no min or max
            continue
    return found


@pytest.mark.parametrize("kind", list(forms.FieldType))
def test_the_check_never_passes_a_value_the_validator_refuses(kind: forms.FieldType) -> None:
    spec = kind.spec
    for form in _variants(kind):
        for value in (*spec.valid, *spec.invalid, *ODD_VALUES):
            assert _agrees(form, {"v": value}), (kind, form.json_schema()["properties"], value)
        others: tuple[Any, ...] = (None, [], "v", {"w": 1}, {"v": spec.valid[0], "w": 1})
        for data in others:
            assert _agrees(form, data), (kind, data)


@pytest.mark.parametrize("kind", list(forms.FieldType))
def test_the_check_passes_every_valid_value_of_a_field_type(kind: forms.FieldType) -> None:
    form = form_of(kind)
    for value in (*kind.spec.valid, None):
        assert not list(form.validator().iter_errors({"v": value})), (kind, value)
        assert form.schema_check()({"v": value}), (kind, value)
    assert form.schema_check()({})


def test_the_example_customer_form_is_checked_without_the_validator() -> None:
    form = forms.load_form(EXAMPLE_FORM.read_text(encoding="utf-8"), filename="customer.yaml")
    row = {
        "name": "杭州精工轴承有限公司",
        "industry": "manufacturing",
        "country": "CN",
        "registered_capital": {"amount": 5_000_000, "currency": "USD"},
        "outstanding_balance": 1_250_000,
        "max_overdue_days": 0,
        "has_guarantee": True,
        "contact_email": "li.lei@example.com",
        "website": "https://www.example.com",
    }
    assert form.schema_check()(row)
    assert forms.validate(form, row) == ()
    for field, bad in (
        ("industry", "farming"),
        ("max_overdue_days", -1),
        ("max_overdue_days", 1.5),
        ("outstanding_balance", "lots"),
        ("contact_email", "li.lei@"),
        ("name", ""),
        ("unknown", 1),
    ):
        data = {**row, field: bad}
        assert not form.schema_check()(data), (field, bad)
        # the errors are the validator's, as before
        assert [e.path for e in forms.validate(form, data)] == [(field,)]


def test_a_keyword_the_check_does_not_know_leaves_the_data_to_the_validator() -> None:
    schema = {"type": "object", "properties": {"v": {"type": "integer", "multipleOf": 2}}}
    assert not build_check(schema)({"v": 4})
    assert build_validator(schema).is_valid({"v": 4})
    assert build_check({"type": "object", "properties": {"v": {"type": "integer"}}})({"v": 4})


def test_terms_are_checked_as_the_validator_checks_them() -> None:
    assert forms.validate_terms({"credit_limit": 100, "payment_terms_days": 30}) == ()
    assert [e.code for e in forms.validate_terms({"payment_terms_days": 400})] == ["above-maximum"]
    assert [e.path for e in forms.validate_terms({"order_hold": "yes", "x": 1})] == [
        ("terms", "order_hold"),
        ("terms", "x"),
    ]
