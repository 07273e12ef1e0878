"""Validating a form's data: every error at once, with its field path and a message in the form's
words; dates checked for real; defaults applied by normalise."""

from __future__ import annotations

import pytest

import forms
from forms import DataError
from tests.forms.conftest import CUSTOMER, FILENAME, with_fields

FORM = forms.load_form(
    CUSTOMER
    + "  - {id: founded, type: date, label: {en: Founded on, zh: 成立日期}}\n"
    + "  - {id: country, type: text, max_length: 2, default: CN}\n"
    + "  - {id: usage, type: decimal, min: 0, max: 1}\n",
    filename=FILENAME,
)

VALID = {
    "name": "Acme Ltd",
    "industry": "retail",
    "outstanding_balance": 125000.5,
    "max_overdue_days": 12,
    "has_guarantee": True,
    "founded": "2010-06-30",
}


def test_valid_data_has_no_errors() -> None:
    assert forms.validate(FORM, VALID) == ()
    assert forms.validate(FORM, {"name": "Acme Ltd"}) == ()


def test_every_bad_field_is_reported_at_once_in_form_order() -> None:
    data = {
        "foo": 1,
        "max_overdue_days": -5,
        "industry": "retial",
        "outstanding_balance": "lots",
        "has_guarantee": "yes",
        "founded": "30/06/2010",
        "country": "CHN",
        "usage": 1.5,
    }
    assert forms.validate(FORM, data) == (
        DataError(("name",), "required field 'name' is missing", "required"),
        DataError(
            ("industry",),
            "Industry must be one of manufacturing, retail, internet, construction, trade, "
            "energy, found the text 'retial'; did you mean 'retail'?",
            "not-an-option",
        ),
        DataError(
            ("outstanding_balance",),
            "Outstanding balance must be an amount: a number, or an amount and a currency code, "
            "found the text 'lots'",
            "wrong-type",
        ),
        DataError(("max_overdue_days",), "Max overdue days must be at least 0", "below-minimum"),
        DataError(
            ("has_guarantee",),
            "Has guarantee must be true or false, found the text 'yes'",
            "wrong-type",
        ),
        DataError(
            ("founded",),
            "Founded on must be a date written YYYY-MM-DD, found the text '30/06/2010'",
            "bad-date",
        ),
        DataError(("country",), "Country must be at most 2 characters long, found 3", "too-long"),
        DataError(("usage",), "Usage must be at most 1", "above-maximum"),
        DataError(("foo",), "unknown field 'foo'", "unknown-field"),
    )


def test_an_unknown_field_suggests_the_nearest_one() -> None:
    (error,) = forms.validate(FORM, {"name": "x", "max_overdue_dayz": 3})
    assert error == DataError(
        ("max_overdue_dayz",),
        "unknown field 'max_overdue_dayz'; did you mean 'max_overdue_days'?",
        "unknown-field",
    )


def test_each_unknown_field_is_its_own_error() -> None:
    errors = forms.validate(FORM, {"name": "x", "b": 1, "a": 2})
    assert [e.path for e in errors] == [("b",), ("a",)]


@pytest.mark.parametrize(
    "value", ["2024-02-30", "2024-1-1", "20240101", "2024-W01-1", "2024-01-01T00:00", " 2024-01-01"]
)
def test_a_date_must_be_a_real_day_written_yyyy_mm_dd(value: str) -> None:
    (error,) = forms.validate(FORM, {"name": "x", "founded": value})
    assert (error.path, error.code) == (("founded",), "bad-date")


def test_a_leap_day_is_a_date() -> None:
    assert forms.validate(FORM, {"name": "x", "founded": "2024-02-29"}) == ()


def test_an_integer_field_refuses_fractions_and_booleans_but_takes_whole_floats() -> None:
    assert forms.validate(FORM, {"name": "x", "max_overdue_days": 3.0}) == ()
    for value in (3.5, True, "3"):
        (error,) = forms.validate(FORM, {"name": "x", "max_overdue_days": value})
        assert error.code == "wrong-type"
        assert error.message.startswith("Max overdue days must be a whole number, found ")


def test_null_means_not_given_for_optional_fields_and_missing_for_required_ones() -> None:
    assert forms.validate(FORM, {"name": "x", "industry": None, "founded": None}) == ()
    assert forms.validate(FORM, {"name": None}) == (
        DataError(("name",), "required field 'name' is missing", "required"),
    )
    assert forms.validate(FORM, {"name": ""}) == (
        DataError(("name",), "required field 'name' is empty", "required"),
    )


def test_a_required_choice_reports_one_error_for_a_null() -> None:
    form = forms.load_form(
        with_fields("{id: tier, type: choice, options: [a, b], required: true}"), filename="f"
    )
    assert forms.validate(form, {"tier": None}) == (
        DataError(("tier",), "required field 'tier' is missing", "required"),
    )


def test_data_that_is_not_an_object_is_one_error_at_the_root() -> None:
    assert forms.validate(FORM, ["name"]) == (
        DataError(
            (),
            "the data must be an object of field ids and values, found a list",
            "not-an-object",
        ),
    )


def test_yes_and_on_are_ordinary_choice_values() -> None:
    form = forms.load_form(
        with_fields("{id: answer, type: choice, options: [yes, no, on, off]}"), filename="f"
    )
    assert forms.validate(form, {"answer": "on"}) == ()
    (error,) = forms.validate(form, {"answer": True})
    assert error.code == "not-an-option"


def test_data_error_to_dict_writes_the_path_as_one_string() -> None:
    error = DataError(
        ("contacts", 2, "phone"), "Phone must be text, found the number 3", "wrong-type"
    )
    assert error.to_dict() == {
        "path": "contacts[2].phone",
        "message": "Phone must be text, found the number 3",
        "code": "wrong-type",
    }
    assert forms.path_text(()) == ""
    assert forms.path_text(("terms", "credit_limit")) == "terms.credit_limit"


def test_normalise_applies_defaults_and_returns_a_new_dict() -> None:
    data = {"name": "Acme Ltd", "max_overdue_days": 3.0, "founded": None}
    normalised = forms.normalise(FORM, data)
    assert normalised == {
        "name": "Acme Ltd",
        "max_overdue_days": 3,
        "has_guarantee": False,
        "country": "CN",
    }
    assert isinstance(normalised["max_overdue_days"], int)
    assert data == {"name": "Acme Ltd", "max_overdue_days": 3.0, "founded": None}


def test_normalise_keeps_given_values_over_defaults() -> None:
    normalised = forms.normalise(FORM, {"name": "x", "has_guarantee": True, "country": "US"})
    assert normalised["has_guarantee"] is True
    assert normalised["country"] == "US"


def test_a_required_field_with_a_default_may_be_left_out() -> None:
    form = forms.load_form(
        with_fields("{id: country, type: text, required: true, default: CN}"), filename="f"
    )
    assert forms.validate(form, {}) == ()
    assert forms.normalise(form, {}) == {"country": "CN"}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinity_are_not_numbers(value: float) -> None:
    errors = forms.validate(FORM, {**VALID, "outstanding_balance": value, "usage": value})
    assert [(e.path, e.code) for e in errors] == [
        (("outstanding_balance",), "wrong-type"),
        (("usage",), "wrong-type"),
    ]
    assert errors[0].message.startswith(
        "Outstanding balance must be an amount: a number, or an amount and a currency code, found "
    )
    assert errors[0].message.endswith(("found NaN", "found Infinity", "found -Infinity"))
