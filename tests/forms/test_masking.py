"""Sensitive fields: the form option, and the masks a user without `view_sensitive` sees."""

from __future__ import annotations

from typing import Any

import pytest

import forms
from forms import Field, FieldType
from tests.forms.conftest import CUSTOMER, rendered

PHONE = Field("contact_phone", FieldType.TEXT, {}, sensitive=True)

SENSITIVE_FORM = CUSTOMER + (
    "  - {id: contact_phone, type: text, max_length: 30, sensitive: true}\n"
    "  - {id: monthly_income, type: money, sensitive: true}\n"
)


def loaded() -> forms.Form:
    return forms.load_form(SENSITIVE_FORM, filename="customer.yaml")


def test_a_field_marked_sensitive_loads_as_sensitive() -> None:
    form = loaded()
    assert forms.sensitive_ids(form) == {"contact_phone", "monthly_income"}
    assert form.field("name") is not None and not form.field("name").sensitive  # type: ignore[union-attr]


def test_sensitive_must_be_true_or_false_at_its_position() -> None:
    source = CUSTOMER + "  - {id: contact_phone, type: text, sensitive: yes}\n"
    assert rendered(source) == (
        "customer.yaml:12:48: error: expected true or false for 'sensitive', found the text 'yes'\n"
        "   12 |   - {id: contact_phone, type: text, sensitive: yes}\n"
        "      |                                                ^^^\n"
        "      = hint: only true and false are booleans (YAML 1.2): 'yes', 'no', 'on' and 'off' "
        "are text"
    )


@pytest.mark.parametrize(
    ("value", "mask"),
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("110101199003071234", "110****1234"),  # a resident identity number
        ("11010119900307123X", "110****123X"),
        ("021-6234-5678", "021****5678"),
        ("6234-5678", "****5678"),
        ("1234567", "****67"),
        ("li.wei@example.com", "l****@example.com"),
        ("张三丰", "张****"),
        ("A", "****"),
        ("", "****"),
    ],
)
def test_a_text_is_masked_by_its_shape(value: str, mask: str) -> None:
    assert forms.mask_value(PHONE, value) == mask


def test_a_mask_hides_the_length_of_what_it_hides() -> None:
    assert forms.mask_text("王五") == forms.mask_text("王五六七八九十") == "王****"
    assert forms.mask_text("13812345678") == forms.mask_text("+86 13800005678")[:3] + "****5678"


@pytest.mark.parametrize(
    ("field_type", "value"),
    [
        (FieldType.MONEY, 25_000),
        (FieldType.INTEGER, 3),
        (FieldType.DECIMAL, 0.5),
        (FieldType.BOOLEAN, True),
        (FieldType.DATE, "1990-03-07"),
        (FieldType.CHOICE, "married"),
    ],
)
def test_other_types_are_masked_whole(field_type: FieldType, value: Any) -> None:
    assert forms.mask_value(Field("x", field_type, {}, sensitive=True), value) == forms.MASK


def test_a_missing_value_stays_missing() -> None:
    assert forms.mask_value(PHONE, None) is None


def test_mask_data_masks_only_the_sensitive_fields() -> None:
    data = {"name": "Hangzhou Bearings", "contact_phone": "13812345678", "monthly_income": 9}
    assert forms.mask_data(loaded(), data) == {
        "name": "Hangzhou Bearings",
        "contact_phone": "138****5678",
        "monthly_income": "****",
    }


def test_mask_data_also_masks_fields_the_form_no_longer_marks() -> None:
    data = {"name": "Hangzhou Bearings", "old_phone": "13812345678"}
    masked = forms.mask_data(loaded(), data, also={"old_phone"})
    assert masked == {"name": "Hangzhou Bearings", "old_phone": "138****5678"}


def test_mask_result_masks_inputs_lets_and_alert_messages() -> None:
    clear = {"contact_phone": "13812345678", "monthly_income": 25_000, "name": "Acme"}
    result: dict[str, Any] = {
        "score": 10,
        "tier": "low",
        "fired": [
            {"id": "r1", "points": 10, "inputs": {"contact_phone": "13812345678", "name": "Acme"}},
            {"id": "r2", "points": 0, "inputs": {"phone_copy": "tel 13812345678"}},
        ],
        "alerts": [{"severity": "info", "rule": "r1", "message": "call 13812345678 now"}],
        "values": {"income": 25_000, "label": "Acme"},
        "flags": ["watch"],
        "missing": [],
    }
    masked = forms.mask_result(
        result, clear, sensitive={"contact_phone", "monthly_income"}, form=loaded()
    )
    assert masked["fired"][0]["inputs"] == {"contact_phone": "138****5678", "name": "Acme"}
    assert masked["fired"][1]["inputs"] == {"phone_copy": "tel 138****5678"}
    assert masked["alerts"][0]["message"] == "call 138****5678 now"
    assert masked["values"] == {"income": "****", "label": "Acme"}
    assert (masked["score"], masked["tier"], masked["flags"]) == (10, "low", ["watch"])
    assert "13812345678" not in repr(masked)
    assert result["fired"][0]["inputs"]["contact_phone"] == "13812345678"  # not changed in place
