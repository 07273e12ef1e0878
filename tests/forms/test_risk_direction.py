"""`risk_direction` on a numeric field: read as `up` or `down`, refused elsewhere with a
positioned message."""

from __future__ import annotations

import forms
from tests.conftest import EXAMPLE_TEMPLATE
from tests.forms.conftest import FILENAME, rendered, with_fields


def test_risk_direction_up_and_down_are_read_on_numeric_fields() -> None:
    form = forms.load_form(
        with_fields(
            "{id: max_overdue_days, type: integer, min: 0, risk_direction: up}",
            "{id: registered_capital, type: money, risk_direction: down}",
            "{id: years_in_business, type: decimal}",
        ),
        filename=FILENAME,
    )
    assert [(f.id, f.risk_direction) for f in form.fields] == [
        ("max_overdue_days", "up"),
        ("registered_capital", "down"),
        ("years_in_business", None),
    ]


def test_risk_direction_on_a_text_field_is_not_applicable() -> None:
    assert rendered(with_fields("{id: name, type: text, risk_direction: up}")) == (
        "customer.yaml:3:28: error: 'risk_direction' applies only to fields of type integer, "
        "decimal, percent, money, not to a text field\n"
        "    3 |   - {id: name, type: text, risk_direction: up}\n"
        "      |                            ^^^^^^^^^^^^^^"
    )


def test_a_misspelt_risk_direction_suggests_the_nearest_one() -> None:
    assert rendered(with_fields("{id: n, type: integer, risk_direction: upp}")) == (
        "customer.yaml:3:44: error: expected up or down for 'risk_direction', found the text "
        "'upp'; did you mean 'up'?\n"
        "    3 |   - {id: n, type: integer, risk_direction: upp}\n"
        "      |                                            ^^^\n"
        "      = hint: up: more of it means more risk; down: more of it means less risk"
    )


def test_the_example_customer_form_declares_its_risk_directions() -> None:
    source = (EXAMPLE_TEMPLATE / "forms" / "customer.yaml").read_text(encoding="utf-8")
    form = forms.load_form(source, filename="customer.yaml")
    declared = {f.id: f.risk_direction for f in form.fields if f.risk_direction}
    assert declared == {
        "registered_capital": "down",
        "years_in_business": "down",
        "max_overdue_days": "up",
        "overdue_invoice_count": "up",
        "lawsuit_count_12m": "up",
        "enforcement_records": "up",
        "negative_news_30d": "up",
    }
