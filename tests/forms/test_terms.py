"""The credit terms every customer has: names, rules types, JSON Schema, checks under `terms`."""

from __future__ import annotations

import pytest

import forms
import workflows
from dsl import FieldInfo, ValueType
from engine.terms import DEFAULT_TERMS
from engine.views import TermsView
from forms import DataError


def test_the_terms_fields_are_the_engines_five() -> None:
    assert forms.TERMS_FIELDS == (
        "credit_limit",
        "payment_terms_days",
        "prepayment_pct",
        "order_hold",
        "next_review_at",
    )


def test_workflows_and_the_engine_know_the_same_terms() -> None:
    # workflows/ may not import forms/ (layering): its own list must stay the same
    assert workflows.TERMS_NAMES == forms.TERMS_FIELDS
    assert tuple(DEFAULT_TERMS) == forms.TERMS_FIELDS
    assert set(TermsView.__dataclass_fields__) >= set(forms.TERMS_FIELDS)


def test_the_rules_read_terms_with_these_types_and_ranges() -> None:
    assert dict(forms.TERMS_SCHEMA) == {
        "credit_limit": FieldInfo(ValueType.MONEY, minimum=0),
        "payment_terms_days": FieldInfo(ValueType.NUMBER, minimum=0, maximum=365),
        "prepayment_pct": FieldInfo(ValueType.NUMBER, minimum=0, maximum=1),
        "order_hold": FieldInfo(ValueType.BOOLEAN),
        "next_review_at": FieldInfo(ValueType.DATE),
    }


def test_the_terms_schema_is_read_only() -> None:
    with pytest.raises(TypeError):
        forms.TERMS_SCHEMA["x"] = FieldInfo(ValueType.TEXT)  # type: ignore[index]


def test_the_terms_json_schema_makes_every_entry_optional() -> None:
    schema = forms.terms_json_schema()
    assert schema["type"] == "object"
    assert schema["required"] == []
    assert schema["additionalProperties"] is False
    properties = schema["properties"]
    assert properties["credit_limit"]["minimum"] == 0
    assert properties["payment_terms_days"]["type"] == ["integer", "null"]
    assert (
        properties["payment_terms_days"]["minimum"],
        properties["payment_terms_days"]["maximum"],
    ) == (0, 365)
    assert (properties["prepayment_pct"]["minimum"], properties["prepayment_pct"]["maximum"]) == (
        0,
        1,
    )
    assert properties["order_hold"]["type"] == ["boolean", "null"]
    assert properties["next_review_at"]["format"] == "date"


def test_valid_terms_have_no_errors() -> None:
    assert forms.validate_terms({}) == ()
    assert (
        forms.validate_terms(
            {
                "credit_limit": 500000,
                "payment_terms_days": 30,
                "prepayment_pct": 0.3,
                "order_hold": False,
                "next_review_at": "2026-12-01",
            }
        )
        == ()
    )


def test_every_bad_term_is_reported_under_terms() -> None:
    errors = forms.validate_terms(
        {
            "credit_limit": -1,
            "payment_terms_days": 30.5,
            "prepayment_pct": 30,
            "order_hold": "no",
            "next_review_at": "2026-13-01",
            "currency": "USD",
        }
    )
    assert errors == (
        DataError(("terms", "credit_limit"), "Credit limit must be at least 0", "below-minimum"),
        DataError(
            ("terms", "payment_terms_days"),
            "Payment terms (days) must be a whole number, found the number 30.5",
            "wrong-type",
        ),
        DataError(
            ("terms", "prepayment_pct"),
            "Prepayment (fraction, 0.3 = 30%) must be at most 1",
            "above-maximum",
        ),
        DataError(
            ("terms", "order_hold"),
            "Order hold must be true or false, found the text 'no'",
            "wrong-type",
        ),
        DataError(
            ("terms", "next_review_at"),
            "Next review date must be a date written YYYY-MM-DD, found the text '2026-13-01'",
            "bad-date",
        ),
        DataError(("terms", "currency"), "unknown terms field 'currency'", "unknown-field"),
    )
    assert errors[0].to_dict()["path"] == "terms.credit_limit"


def test_payment_terms_may_not_pass_a_year() -> None:
    (error,) = forms.validate_terms({"payment_terms_days": 366})
    assert error == DataError(
        ("terms", "payment_terms_days"), "Payment terms (days) must be at most 365", "above-maximum"
    )


def test_terms_that_are_not_an_object_are_one_error_at_terms() -> None:
    assert forms.validate_terms("lots") == (
        DataError(
            ("terms",),
            "the terms must be an object of field ids and values, found the text 'lots'",
            "not-an-object",
        ),
    )


def test_a_review_date_may_be_cleared_with_null() -> None:
    assert forms.validate_terms({"next_review_at": None}) == ()
