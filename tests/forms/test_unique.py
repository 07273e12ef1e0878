"""The comparison key of a unique field's value: its normalised shape, compared as its type says."""

from __future__ import annotations

import pytest

import forms
from forms import Field, FieldType


@pytest.mark.parametrize(
    ("field_type", "one", "other"),
    [
        (FieldType.EMAIL, "Li.Lei@Example.COM", "li.lei@example.com"),
        (FieldType.PHONE, "138 1234 5678", "+86-138-1234-5678"),
        (FieldType.INTEGER, 3.0, 3),
        (FieldType.USCC, "91350100M000100Y43", "91350100M000100Y43"),
    ],
)
def test_two_ways_of_writing_one_value_have_one_key(
    field_type: FieldType, one: object, other: object
) -> None:
    field = Field(id="a", type=field_type, label={}, unique=True)
    assert forms.comparison_key(field, one) == forms.comparison_key(field, other) is not None


def test_text_keeps_its_case_and_no_value_has_no_key() -> None:
    field = Field(id="a", type=FieldType.TEXT, label={}, unique=True)
    assert forms.comparison_key(field, "Acme") != forms.comparison_key(field, "acme")
    assert forms.comparison_key(field, "") is None
    assert forms.comparison_key(field, None) is None


def test_every_type_that_may_be_unique_gives_a_key_for_its_valid_examples() -> None:
    for kind, spec in forms.TYPES.items():
        if spec.unique_key is None:
            continue
        field = Field(id="a", type=kind, label={}, unique=True)
        for value in spec.valid:
            if value != "":
                assert isinstance(forms.comparison_key(field, value), str), (kind, value)


def test_unique_keys_names_the_unique_fields_holding_a_value() -> None:
    form = forms.load_form(
        "form: f\nfields:\n  - {id: a, type: email, unique: true}\n  - {id: b, type: text}\n"
        "  - {id: c, type: text, unique: true}\n",
        filename="f",
    )
    assert forms.unique_keys(form, {"a": "X@Y.cn", "b": "z", "c": None}) == {"a": "x@y.cn"}
