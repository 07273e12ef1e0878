"""The form builder's pure part (forms.builder): a field entry read from the builder's inputs and
written back to them, fields (and a group's sub-fields) added, replaced, moved and removed, where
each field is written (to place a problem at its path), and the document written as a form file
that loads again."""

from __future__ import annotations

from typing import Any

import forms
from forms.builder import (
    dump_document,
    entry_inputs,
    field_from_inputs,
    field_lines,
    group_entry,
    moved,
    path_at,
    read_document,
    with_field,
    without_field,
)

SOURCE = """\
form: customer
label: {en: Customer, zh: 客户}
fields:
  - {id: name, type: text, required: true}
  - {id: max_overdue_days, type: integer, min: 0}
  - {id: answer, type: choice, options: ["yes", "no"]}
"""

INPUTS = {
    "id": "bureau_score",
    "type": "integer",
    "label_en": "Bureau score",
    "label_zh": "征信评分",
    "min": "0",
    "max": "900",
    "default": "６００",
    "required": "true",
    "help_en": "",
}


def _ids(document: dict[str, Any]) -> list[str]:
    return [f["id"] for f in document["fields"]]


def test_inputs_become_an_entry_with_typed_values_in_the_files_order() -> None:
    entry = field_from_inputs(INPUTS)
    assert entry == {
        "id": "bureau_score",
        "type": "integer",
        "label": {"en": "Bureau score", "zh": "征信评分"},
        "required": True,
        "default": 600,
        "min": 0,
        "max": 900,
    }
    assert list(entry) == ["id", "type", "label", "required", "default", "min", "max"]


def test_options_are_read_a_line_each_with_their_labels() -> None:
    entry = field_from_inputs(
        {"id": "tier", "type": "choice", "options": "gold | Gold | 金牌\nsilver\n\n  "}
    )
    assert entry["options"] == [{"value": "gold", "label": {"en": "Gold", "zh": "金牌"}}, "silver"]
    assert entry_inputs(entry)["options"] == "gold | Gold | 金牌\nsilver"


def test_a_value_that_does_not_read_stays_text_for_the_check_to_refuse() -> None:
    entry = field_from_inputs({"id": "n", "type": "integer", "min": "lots", "default": "x"})
    assert (entry["min"], entry["default"]) == ("lots", "x")
    document = with_field(read_document(SOURCE, filename="customer.yaml"), entry)
    problems = forms.check_form(dump_document(document), filename="customer.yaml")
    assert any(d.is_error for d in problems)


def test_entry_inputs_give_back_what_the_inputs_said() -> None:
    inputs = entry_inputs(field_from_inputs(INPUTS))
    assert {k: v for k, v in inputs.items() if v} == {**{k: v for k, v in INPUTS.items() if v},
                                                     "default": "600"}  # fmt: skip


def test_fields_are_added_replaced_in_place_moved_and_removed() -> None:
    document = read_document(SOURCE, filename="customer.yaml")
    added = with_field(document, field_from_inputs(INPUTS))
    assert _ids(added) == ["name", "max_overdue_days", "answer", "bureau_score"]
    renamed = with_field(added, {"id": "overdue", "type": "integer"}, replacing="max_overdue_days")
    assert _ids(renamed) == ["name", "overdue", "answer", "bureau_score"]
    assert _ids(moved(renamed, "bureau_score", -1)) == ["name", "overdue", "bureau_score", "answer"]
    assert _ids(moved(renamed, "name", -1)) == _ids(renamed)  # already first
    assert _ids(without_field(renamed, "answer")) == ["name", "overdue", "bureau_score"]
    assert _ids(document) == ["name", "max_overdue_days", "answer"]  # the original untouched


def test_the_written_file_loads_with_its_words_kept_as_text() -> None:
    document = with_field(
        read_document(SOURCE, filename="customer.yaml"), field_from_inputs(INPUTS)
    )
    form = forms.load_form(dump_document(document), filename="customer.yaml")
    answer, bureau = form.field("answer"), form.field("bureau_score")
    assert answer is not None and bureau is not None
    assert answer.options == ("yes", "no")  # not the booleans of YAML 1.1
    assert bureau.title("zh") == "征信评分"
    assert form.label == {"en": "Customer", "zh": "客户"}


def test_conditions_and_computed_expressions_are_written_and_read_back() -> None:
    inputs = {
        "id": "export_licence",
        "type": "text",
        "visible_when": "is_cross_border",
        "required_when": "max_overdue_days > 90",
    }
    entry = field_from_inputs(inputs)
    assert entry["visible_when"] == "is_cross_border"
    assert entry_inputs(entry)["required_when"] == "max_overdue_days > 90"
    source = SOURCE + "  - {id: is_cross_border, type: boolean}\n"
    document = with_field(read_document(source, filename="customer.yaml"), entry)
    assert not [
        d for d in forms.check_form(dump_document(document), filename="customer.yaml") if d.is_error
    ]


GROUPED = (
    SOURCE
    + """\
  - id: contacts
    type: group
    multiple: true
    label: {en: Contacts}
    fields:
      - {id: name, type: text, required: true}
      - id: phone
        type: phone
        label: {en: Phone}
"""
)


def _sub_ids(document: dict[str, Any], group: str = "contacts") -> list[str]:
    entry = next(f for f in document["fields"] if f["id"] == group)
    return [f["id"] for f in entry["fields"]]


def test_sub_fields_are_added_replaced_moved_and_removed_inside_their_group() -> None:
    document = read_document(GROUPED, filename="customer.yaml")
    email = field_from_inputs({"id": "email", "type": "email", "label_en": "E-mail"})
    added = with_field(document, email, parent="contacts")
    assert _sub_ids(added) == ["name", "phone", "email"]
    assert _ids(added) == _ids(document)  # the form's own fields as they were
    renamed = with_field(added, {"id": "mobile", "type": "phone"}, replacing="phone",
                         parent="contacts")  # fmt: skip
    assert _sub_ids(renamed) == ["name", "mobile", "email"]
    assert _sub_ids(moved(renamed, "email", -1, parent="contacts")) == ["name", "email", "mobile"]
    assert _sub_ids(moved(renamed, "name", -1, parent="contacts")) == ["name", "mobile", "email"]
    gone = without_field(renamed, "name", parent="contacts")
    assert _sub_ids(gone) == ["mobile", "email"]
    assert _sub_ids(document) == ["name", "phone"]  # the original untouched
    assert not [
        d for d in forms.check_form(dump_document(gone), filename="customer.yaml") if d.is_error
    ]


def test_a_sub_field_change_to_a_group_the_form_lacks_changes_nothing() -> None:
    document = read_document(GROUPED, filename="customer.yaml")
    entry = {"id": "email", "type": "email"}
    assert with_field(document, entry, parent="addresses") == document
    assert with_field(document, entry, parent="name") == document  # a text field: no group
    assert group_entry(document, "name") is None
    assert moved(document, "name", 1, parent="addresses") == document
    assert without_field(document, "name", parent="addresses") == document


def test_a_group_saved_from_its_inputs_keeps_its_sub_fields_with_its_list_options() -> None:
    document = read_document(GROUPED, filename="customer.yaml")
    inputs = {"id": "contacts", "type": "group", "label_en": "Contacts", "multiple": "true",
              "max_items": "5"}  # fmt: skip
    entry = field_from_inputs(inputs)
    assert entry == {"id": "contacts", "type": "group", "label": {"en": "Contacts"},
                     "multiple": True, "max_items": 5}  # fmt: skip
    assert entry_inputs(entry)["multiple"] == "true" and entry_inputs(entry)["max_items"] == "5"
    saved = with_field(document, entry, replacing="contacts")
    assert _sub_ids(saved) == ["name", "phone"]
    contacts = forms.load_form(dump_document(saved), filename="customer.yaml").field("contacts")
    assert contacts is not None and contacts.is_group_list and contacts.max_items == 5
    single = with_field(saved, field_from_inputs({**inputs, "multiple": "", "max_items": ""}),
                        replacing="contacts")  # fmt: skip
    group = forms.load_form(dump_document(single), filename="customer.yaml").field("contacts")
    assert (
        group is not None
        and not group.multiple
        and [f.id for f in group.fields]
        == [
            "name",
            "phone",
        ]
    )


def test_a_problem_in_a_sub_field_is_placed_at_its_path() -> None:
    document = with_field(
        read_document(GROUPED, filename="customer.yaml"),
        {"id": "phone", "type": "phone", "unique": True},
        replacing="phone",
        parent="contacts",
    )
    source = dump_document(document)
    problems = [d for d in forms.check_form(source, filename="customer.yaml") if d.is_error]
    assert [d.code for d in problems] == ["not-in-group"]
    assert problems[0].message == "'unique' cannot be used inside a group"
    lines = field_lines(source, filename="customer.yaml")
    assert problems[0].span is not None
    assert path_at(lines, problems[0].span.line) == "contacts.phone"
    assert [f.path for f in lines] == [
        "name", "max_overdue_days", "answer", "contacts", "contacts.name", "contacts.phone",
    ]  # fmt: skip
    group_line = next(f.first for f in lines if f.path == "contacts")
    assert path_at(lines, group_line) == "contacts"
    assert path_at(lines, 1) is None  # `form: customer`: no field's
    assert field_lines("fields: [", filename="customer.yaml") == ()
