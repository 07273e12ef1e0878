"""Loading form definitions: the design's excerpt, labels, YAML 1.2 booleans, identity."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

import forms
from dsl import FieldInfo, ValueType
from forms import FieldType
from tests.forms.conftest import CUSTOMER, FILENAME, with_fields

EXAMPLE_FORM = (
    Path(__file__).resolve().parents[2] / "examples/manufacturing_credit/forms/customer.yaml"
)


def load(source: str) -> forms.Form:
    return forms.load_form(source, filename=FILENAME)


def test_the_design_excerpt_loads_with_every_field_in_order() -> None:
    form = load(CUSTOMER)
    assert form.key == "customer"
    assert dict(form.label) == {"en": "Customer", "zh": "客户"}
    assert [f.id for f in form.fields] == [
        "name",
        "industry",
        "outstanding_balance",
        "max_overdue_days",
        "has_guarantee",
        "export_licence",
    ]
    name = form.fields[0]
    assert name.type is FieldType.TEXT
    assert name.required is True
    assert name.max_length == 200
    assert dict(name.label) == {"en": "Company name", "zh": "公司名称"}
    industry = form.field("industry")
    assert industry is not None and industry.options is not None
    assert industry.options[:2] == ("manufacturing", "retail")
    assert form.field("max_overdue_days") == dataclasses.replace(
        form.fields[3], minimum=0, maximum=None
    )
    assert form.field("has_guarantee").default is False  # type: ignore[union-attr]
    assert form.field("nonexistent") is None


def test_the_checksum_is_the_sha256_of_the_source() -> None:
    assert load(CUSTOMER).checksum == hashlib.sha256(CUSTOMER.encode("utf-8")).hexdigest()


def test_a_form_is_frozen_with_tuples_inside() -> None:
    form = load(CUSTOMER)
    assert isinstance(form.fields, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        form.key = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        form.label["en"] = "x"  # type: ignore[index]


def test_the_example_template_form_loads() -> None:
    form = forms.load_form(EXAMPLE_FORM.read_text(encoding="utf-8"), filename="customer.yaml")
    assert form.key == "customer"
    assert "credit_limit" not in {f.id for f in form.fields}


def test_a_plain_text_label_serves_every_language() -> None:
    form = load(
        "form: lawsuit\nlabel: Lawsuit\nfields:\n  - {id: amount, type: money, label: Amount}\n"
    )
    assert dict(form.label) == {"en": "Lawsuit", "zh": "Lawsuit"}
    assert dict(form.fields[0].label) == {"en": "Amount", "zh": "Amount"}


def test_without_labels_the_form_shows_its_key_and_a_field_its_id_in_words() -> None:
    form = load(with_fields("{id: max_overdue_days, type: integer}"))
    assert dict(form.label) == {"en": "f", "zh": "f"}
    assert dict(form.fields[0].label) == {}
    assert form.fields[0].title() == "Max overdue days"


def test_a_field_title_falls_back_to_english_then_any_language() -> None:
    form = load(
        with_fields(
            "{id: a, type: text, label: {en: Alpha, zh: 甲}}",
            "{id: b, type: text, label: {zh: 乙}}",
        )
    )
    assert form.fields[0].title("zh") == "甲"
    assert form.fields[0].title("fr") == "Alpha"
    assert form.fields[1].title() == "乙"


def test_yes_no_on_off_stay_text_in_yaml_1_2() -> None:
    form = load(
        with_fields(
            "{id: answer, type: choice, options: [yes, no, on, off], default: on}",
            "{id: note, type: text, default: no}",
        )
    )
    assert form.fields[0].options == ("yes", "no", "on", "off")
    assert form.fields[0].default == "on"
    assert form.fields[1].default == "no"


def test_an_unquoted_date_default_is_kept_as_iso_text() -> None:
    form = load(with_fields("{id: since, type: date, default: 2024-01-31}"))
    assert form.fields[0].default == "2024-01-31"


def test_help_and_description_are_read_as_labels() -> None:
    form = load(
        "form: f\ndescription: {en: What we know, zh: 已知信息}\nfields:\n"
        "  - {id: a, type: decimal, help: Shown under the field}\n"
    )
    assert dict(form.description or {}) == {"en": "What we know", "zh": "已知信息"}
    assert dict(form.fields[0].help or {}) == {"en": "Shown under the field"} | {
        "zh": "Shown under the field"
    }


def test_an_empty_field_list_is_a_form_without_fields() -> None:
    assert load("form: registration_change\nfields: []\n").fields == ()


def test_field_ids_may_be_written_in_any_script() -> None:
    form = load(with_fields("{id: 最长逾期天数, type: integer, min: 0}"))
    assert form.fields[0].id == "最长逾期天数"


def test_dsl_schema_gives_the_rules_checker_types_options_and_ranges() -> None:
    schema = load(
        CUSTOMER + "  - {id: founded, type: date}\n  - {id: ratio, type: decimal, min: 0, max: 1}\n"
    ).dsl_schema()
    assert list(schema) == [
        "name",
        "industry",
        "outstanding_balance",
        "max_overdue_days",
        "has_guarantee",
        "export_licence",
        "founded",
        "ratio",
    ]
    assert schema["name"] == FieldInfo(ValueType.TEXT)
    assert schema["industry"].type is ValueType.TEXT
    assert schema["industry"].options == (
        "manufacturing",
        "retail",
        "internet",
        "construction",
        "trade",
        "energy",
    )
    assert schema["outstanding_balance"] == FieldInfo(ValueType.MONEY)
    assert schema["max_overdue_days"] == FieldInfo(ValueType.NUMBER, minimum=0)
    assert schema["has_guarantee"] == FieldInfo(ValueType.BOOLEAN)
    assert schema["founded"] == FieldInfo(ValueType.DATE)
    assert schema["ratio"] == FieldInfo(ValueType.NUMBER, minimum=0, maximum=1)


def test_json_schema_is_draft_2020_12_for_an_object_of_exactly_the_fields() -> None:
    schema = load(CUSTOMER + "  - {id: founded, type: date}\n").json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name"]
    properties = schema["properties"]
    assert properties["name"] == {
        "title": "Company name",
        "type": "string",
        "minLength": 1,
        "maxLength": 200,
    }
    assert properties["industry"]["enum"] == [
        "manufacturing",
        "retail",
        "internet",
        "construction",
        "trade",
        "energy",
        None,
    ]
    assert properties["outstanding_balance"]["type"] == ["number", "object", "null"]
    assert properties["max_overdue_days"] == {
        "title": "Max overdue days",
        "type": ["integer", "null"],
        "minimum": 0,
    }
    assert properties["has_guarantee"] == {
        "title": "Has guarantee",
        "type": ["boolean", "null"],
        "default": False,
    }
    assert properties["founded"]["format"] == "date"


def test_json_schema_returns_a_fresh_copy() -> None:
    form = load(CUSTOMER)
    form.json_schema()["properties"].clear()
    assert "name" in form.json_schema()["properties"]


def test_a_required_field_with_a_default_is_not_demanded() -> None:
    form = load(with_fields("{id: country, type: text, required: true, default: CN}"))
    assert form.json_schema()["required"] == []


def test_the_example_in_docs_forms_md_loads() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs/forms.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert forms.load_form(example, filename="customer.yaml").key == "customer"
