"""What a case action's posted text becomes, by the field's type (engine.case_decisions)."""

from __future__ import annotations

import pytest

import forms
from engine.case_decisions import _typed


@pytest.mark.parametrize(
    ("text", "value"), [("30%", 0.3), ("12.5 %", 0.125), ("0.3", 0.3), ("1", 1), ("lots%", "lots%")]
)
def test_a_percent_is_read_as_a_fraction_from_percent_text(text: str, value: object) -> None:
    assert _typed(forms.FieldType.PERCENT, text) == value


def test_other_text_stays_text_for_validation_to_judge() -> None:
    assert _typed(forms.FieldType.PHONE, "138 1234 5678") == "138 1234 5678"
