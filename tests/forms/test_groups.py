"""Groups: a nested object of sub-fields, or a list of them (docs/forms.md, "Groups") — loading
with positioned diagnostics, validation paths, JSON Schema, the rules, masking and import."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import dsl
import forms
from dsl import render_all
from forms import ImportMappingError, Target, map_columns
from tests.forms.conftest import FILENAME, codes, rendered, with_fields

GROUPS = with_fields(
    "{id: name, type: text, required: true}",
    "id: address\n    type: group\n    label: {en: Address, zh: 地址}\n    fields:\n"
    "      - {id: city, type: text, required: true}\n"
    "      - {id: country, type: country, default: CN}",
    "id: contacts\n    type: group\n    multiple: true\n    max_items: 3\n"
    "    label: {en: Contacts, zh: 联系人}\n    fields:\n"
    "      - {id: name, type: text, label: {en: Name, zh: 姓名}, required: true}\n"
    "      - {id: role, type: choice, options: [finance, purchasing]}\n"
    "      - {id: phone, type: phone, label: {en: Phone, zh: 电话}, sensitive: true}\n"
    "      - {id: calls, type: integer, min: 0}",
)


@pytest.fixture(scope="module")
def form() -> forms.Form:
    return forms.load_form(GROUPS, filename=FILENAME)


def test_a_group_and_a_list_of_groups_load_with_their_sub_fields(form: forms.Form) -> None:
    address, contacts = form.fields[1:]
    assert address.type is forms.FieldType.GROUP and not address.multiple
    assert [f.id for f in address.fields] == ["city", "country"]
    assert address.max_items is None
    assert contacts.multiple and contacts.max_items == 3
    assert contacts.sub_field("phone") is not None and contacts.sub_field("phone").sensitive  # type: ignore[union-attr]


def test_a_list_of_groups_is_bounded_by_default() -> None:
    source = with_fields("{id: c, type: group, multiple: true, fields: [{id: n, type: text}]}")
    (field,) = forms.load_form(source, filename=FILENAME).fields
    assert field.max_items == forms.GROUP_MAX_ITEMS_DEFAULT == 20


def test_a_group_without_fields_is_told_at_the_field() -> None:
    assert rendered(with_fields("{id: g, type: group}")) == (
        "customer.yaml:3:5: error: a group needs 'fields', the list of its sub-fields\n"
        "    3 |   - {id: g, type: group}\n"
        "      |     ^^^^^^^^^^^^^^^^^^^^\n"
        "      = hint: for example: fields: [{id: city, type: text}]"
    )


def test_every_mistake_inside_a_group_is_told_at_its_position() -> None:
    source = with_fields(
        "id: g\n    type: group\n    max_items: 5\n    default: {a: 1}\n    fields:\n"
        "      - {id: a, type: text}\n"
        "      - {id: a, type: integer}\n"
        "      - {id: b, type: group, fields: [{id: c, type: text}]}\n"
        '      - {id: d, type: text, visible_when: a == "x", section: s}\n'
        "      - {id: e, type: texts}",
        "{id: h, type: group, multiple: true, max_items: 500, fields: []}",
        "{id: i, type: text, multiple: true}",
    )
    assert codes(source) == [
        "not-applicable",  # max_items without multiple
        "not-applicable",  # default on the group
        "duplicate-field",
        "nested-group",
        "not-in-group",
        "not-in-group",
        "unknown-type",
        "bad-max-items",
        "missing-fields",  # fields: []
        "not-applicable",  # multiple on a text
    ]
    text = rendered(source)
    for line in (
        "customer.yaml:5:5: error: 'max_items' applies only to a group with 'multiple: true'",
        "customer.yaml:6:5: error: 'default' applies to the sub-fields of a group, not to the "
        "group",
        "customer.yaml:9:14: error: duplicate field id 'a'",
        "customer.yaml:10:23: error: a group cannot hold another group in this version",
        "customer.yaml:11:29: error: 'visible_when' cannot be used inside a group",
        "customer.yaml:11:53: error: 'section' cannot be used inside a group",
        "customer.yaml:13:53: error: expected a whole number from 1 to 100 for 'max_items', "
        "found the number 500",
        "customer.yaml:13:66: error: a group needs at least one sub-field in 'fields'",
        "customer.yaml:14:25: error: 'multiple' applies only to fields of type group, not to a "
        "text field",
    ):
        assert line in text, line


def test_sensitive_belongs_to_the_sub_fields() -> None:
    source = with_fields("{id: g, type: group, sensitive: true, fields: [{id: a, type: text}]}")
    assert codes(source) == ["not-applicable"]


def test_every_error_inside_groups_comes_at_once_with_its_path(form: forms.Form) -> None:
    data = {
        "name": "Acme",
        "address": {"country": "XX", "zip": "110000"},
        "contacts": [
            {"name": "Li Lei", "phone": "13812345678"},
            {"phone": "123", "mail": "x"},
            "Han Meimei",
            {"name": "Wang", "calls": -1, "role": "sales"},
        ],
    }
    got = [(e.to_dict()["path"], e.code) for e in forms.validate(form, data)]
    assert got == [
        ("address.city", "required"),
        ("address.country", "bad-country"),
        ("address.zip", "unknown-field"),
        ("contacts", "too-many-items"),
        ("contacts[1].name", "required"),
        ("contacts[1].phone", "bad-phone"),
        ("contacts[1].mail", "unknown-field"),
        ("contacts[2]", "wrong-type"),
        ("contacts[3].role", "not-an-option"),
        ("contacts[3].calls", "below-minimum"),
    ]
    messages = {e.to_dict()["path"]: e.message for e in forms.validate(form, data)}
    assert messages["contacts"] == "Contacts holds at most 3 items, found 4"
    assert messages["contacts[1].name"] == "required field 'contacts[1].name' is missing"
    assert messages["address.zip"] == "unknown field 'address.zip'"
    assert messages["contacts[2]"] == (
        "contacts[2] must be an object of its sub-fields, found the text 'Han Meimei'"
    )


def test_a_value_that_is_no_object_or_list_is_wrong_type(form: forms.Form) -> None:
    errors = forms.validate(form, {"name": "A", "address": "Beijing", "contacts": {"name": "x"}})
    assert [(e.path, e.code, e.message) for e in errors] == [
        (
            ("address",),
            "wrong-type",
            "Address must be an object of its sub-fields, found the text 'Beijing'",
        ),
        (
            ("contacts",),
            "wrong-type",
            "Contacts must be a list of objects of its sub-fields, found a mapping",
        ),
    ]


def test_text_and_numbers_inside_groups_are_checked_as_stored(form: forms.Form) -> None:
    data = {"name": "A", "contacts": [{"name": "a\x00b"}, {"name": "b", "calls": 2**64}]}
    assert [(e.path, e.code) for e in forms.validate(form, data)] == [
        (("contacts", 0, "name"), "control-character"),
        (("contacts", 1, "calls"), "out-of-range"),
    ]


def test_a_required_list_needs_an_item() -> None:
    source = with_fields(
        "{id: c, type: group, multiple: true, required: true, fields: [{id: n, type: text}]}"
    )
    form = forms.load_form(source, filename=FILENAME)
    assert [(e.path, e.code) for e in forms.validate(form, {"c": []})] == [(("c",), "required")]
    assert [(e.path, e.code) for e in forms.validate(form, {})] == [(("c",), "required")]
    assert forms.validate(form, {"c": [{}]}) == ()


def test_normalise_fills_sub_field_defaults_and_stores_phones_as_e164(form: forms.Form) -> None:
    data = {
        "name": "A",
        "address": {"city": "Beijing"},
        "contacts": [{"name": "Li", "phone": "138 1234 5678", "calls": 2.0, "role": None}],
    }
    assert forms.validate(form, data) == ()
    assert forms.normalise(form, data) == {
        "name": "A",
        "address": {"city": "Beijing", "country": "CN"},
        "contacts": [{"name": "Li", "phone": "+8613812345678", "calls": 2}],
    }


def test_the_json_schema_nests_objects_and_arrays_and_is_valid_2020_12(form: forms.Form) -> None:
    schema = form.json_schema()
    Draft202012Validator.check_schema(schema)
    address = schema["properties"]["address"]
    assert address["type"] == ["object", "null"]
    assert address["additionalProperties"] is False
    assert address["required"] == ["city"]
    contacts = schema["properties"]["contacts"]
    assert contacts["type"] == ["array", "null"] and contacts["maxItems"] == 3
    assert contacts["items"]["additionalProperties"] is False
    assert contacts["items"]["required"] == ["name"]
    assert contacts["items"]["properties"]["phone"]["format"] == "phone"
    validator = Draft202012Validator(schema, format_checker=forms.FORMATS)
    samples: list[Any] = [
        {"name": "A", "address": {"city": "B"}, "contacts": [{"name": "Li"}]},
        {"name": "A", "contacts": [{"name": "Li"}] * 4},
        {"name": "A", "contacts": [{"name": "Li", "fax": "1"}]},
        {"name": "A", "address": {"country": "CN"}},
        {"name": "A", "contacts": [{"name": "Li", "phone": "123"}]},
    ]
    for sample in samples:
        assert validator.is_valid(sample) is (forms.validate(form, sample) == ()), sample


def test_rules_read_a_group_as_a_record_and_not_a_list(form: forms.Form) -> None:
    schema = form.dsl_schema()
    assert schema["address"].type is dsl.ValueType.RECORD
    assert set(schema["address"].fields or {}) == {"city", "country"}
    source = (
        "ruleset r\nform f\n"
        'rule abroad "Abroad" when address.country != "CN" then add 5\n'
        "tiers\n  low otherwise\n"
    )
    program = dsl.compile_ruleset(source, filename="r.rules", schema=schema)
    result = program.evaluate(
        {"address": {"city": "Berlin", "country": "DE"}}, as_of=date(2026, 1, 1)
    )
    assert [item.id for item in result.fired] == ["abroad"]
    listed = source.replace('address.country != "CN"', "contacts.phone is present")
    with pytest.raises(dsl.RulesError) as raised:
        dsl.compile_ruleset(listed, filename="r.rules", schema=schema)
    assert render_all(raised.value.diagnostics, {"r.rules": listed}).startswith(
        "r.rules:3:36: error: unknown field 'contacts.phone'"
    )


def test_masking_keeps_the_shape_and_masks_sensitive_sub_fields_in_every_item(
    form: forms.Form,
) -> None:
    assert forms.sensitive_ids(form) == {"contacts"}
    data = {
        "name": "A",
        "contacts": [{"name": "Li", "phone": "+8613812345678"}, {"name": "Wang"}],
    }
    assert forms.mask_data(form, data) == {
        "name": "A",
        "contacts": [{"name": "Li", "phone": "138****5678"}, {"name": "Wang"}],
    }


def test_a_mask_sent_back_keeps_the_stored_value_item_by_item(form: forms.Form) -> None:
    contacts = form.field("contacts")
    assert contacts is not None
    stored = [
        {"name": "Li", "phone": "+8613812345678"},
        {"name": "Wang", "phone": "+8613900000000"},
        {"name": "Zhao", "phone": "+8613600001111"},
    ]
    sent = [
        {"name": "Li Lei", "phone": "138****5678"},  # at its place
        {"name": "Zhao", "phone": "136****1111"},  # moved up: Wang was removed
        {"name": "New", "phone": "137****0000"},  # the mask of nothing stored
    ]
    assert forms.unmask_group(contacts, sent, stored) == [
        {"name": "Li Lei", "phone": "+8613812345678"},
        {"name": "Zhao", "phone": "+8613600001111"},
        {"name": "New", "phone": "137****0000"},  # then refused by validation (bad-phone)
    ]


def test_a_column_mapped_to_a_group_is_a_mapping_error_naming_the_column(
    form: forms.Form,
) -> None:
    targets = [Target.of_field(f) for f in form.fields]
    with pytest.raises(ImportMappingError) as caught:
        map_columns(("name", "联系人"), targets, filename="f.csv")
    assert render_all(caught.value.diagnostics) == (
        "f.csv:1:2: error: column '联系人' fills the group 'contacts', which cannot be "
        "imported from a column\n"
        "      = hint: list the column under 'ignore', and enter the group on its page"
    )
