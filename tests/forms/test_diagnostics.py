"""Every problem of a form file, as the author sees it: position, code, message, caret, hint."""

from __future__ import annotations

from pathlib import Path

import pytest

import forms
from dsl import DiagnosticsError
from tests.forms.conftest import CUSTOMER, FILENAME, codes, rendered, with_fields

DATA = Path(__file__).parent / "data"


def test_the_design_excerpt_has_no_diagnostics() -> None:
    assert rendered(CUSTOMER) == ""


def test_all_problems_of_a_file_are_reported_at_once_in_file_order() -> None:
    source = (DATA / "many_errors.yaml").read_text(encoding="utf-8")
    expected = (DATA / "many_errors.expected").read_text(encoding="utf-8")
    assert rendered(source, "many_errors.yaml") + "\n" == expected


def test_load_form_raises_every_problem_together_as_a_form_error() -> None:
    source = with_fields("{id: score, type: integer}", "{id: a, type: texte}")
    with pytest.raises(forms.FormError) as raised:
        forms.load_form(source, filename=FILENAME)
    assert isinstance(raised.value, DiagnosticsError)
    assert [d.code for d in raised.value.diagnostics] == ["reserved-word", "unknown-type"]
    assert str(raised.value) == (
        "'score' is a reserved word of the rules language and cannot be a field id (and 1 more)"
    )


def test_a_missing_form_key_points_at_the_start_of_the_form() -> None:
    assert rendered("label: Customer\nfields: []\n") == (
        "customer.yaml:1:1: error: missing 'form' (the form's key) in the form\n"
        "    1 | label: Customer\n"
        "      | ^"
    )


def test_an_unknown_key_suggests_the_nearest_one() -> None:
    assert rendered(with_fields("{id: a, type: text, max_lenght: 20}")) == (
        "customer.yaml:3:25: error: unknown key 'max_lenght' in a field; did you mean "
        "'max_length'?\n"
        "    3 |   - {id: a, type: text, max_lenght: 20}\n"
        "      |                         ^^^^^^^^^^"
    )


def test_an_unknown_key_far_from_any_lists_the_keys() -> None:
    (diagnostic,) = forms.check_form(with_fields("{id: a, type: text, colour: red}"), filename="f")
    assert diagnostic.code == "unknown-key"
    assert diagnostic.message == "unknown key 'colour' in a field"
    assert diagnostic.hint == (
        "expected one of: id, type, label, required, min, max, max_length, options, default, "
        "help, sensitive, risk_direction, pattern, section, unique, visible_when, "
        "required_when, computed, fields, multiple, max_items"
    )


def test_unique_on_a_type_that_cannot_be_unique_is_refused_at_the_key() -> None:
    assert rendered(with_fields("{id: ok, type: boolean, unique: true}")) == (
        "customer.yaml:3:29: error: 'unique' applies only to fields of type text, integer, "
        "email, phone, url, uscc, reference, not to a boolean field\n"
        "    3 |   - {id: ok, type: boolean, unique: true}\n"
        "      |                             ^^^^^^"
    )


@pytest.mark.parametrize("field_type", ["multi_choice, options: [a, b]", "long_text", "date"])
def test_unique_is_refused_on_lists_long_text_and_dates(field_type: str) -> None:
    assert codes(with_fields(f"{{id: a, type: {field_type}, unique: true}}")) == ["not-applicable"]


def test_unique_is_refused_on_a_computed_field_at_the_key() -> None:
    source = with_fields("{id: a, type: text, computed: 'name', unique: true}")
    assert rendered(source).splitlines()[0] == (
        "customer.yaml:3:43: error: 'unique' does not apply to a computed field: its value is "
        "computed"
    )


def test_unique_must_be_true_or_false() -> None:
    assert rendered(with_fields("{id: a, type: text, unique: 'yes'}")).splitlines()[0] == (
        "customer.yaml:3:33: error: expected true or false for 'unique', found the text 'yes'"
    )


@pytest.mark.parametrize(
    "field_type", ["text", "integer", "email", "phone", "url", "uscc", "reference"]
)
def test_unique_loads_on_types_that_compare(field_type: str) -> None:
    form = forms.load_form(
        with_fields(f"{{id: a, type: {field_type}, unique: true}}"), filename="f"
    )
    assert form.field("a") is not None and form.field("a").unique  # type: ignore[union-attr]


def test_an_unknown_type_suggests_the_nearest_type() -> None:
    (diagnostic,) = forms.check_form(with_fields("{id: a, type: interger}"), filename="f")
    assert (diagnostic.code, diagnostic.message) == (
        "unknown-type",
        "unknown field type 'interger'; did you mean 'integer'?",
    )


def test_a_duplicate_field_id_points_at_the_second_and_names_the_first_line() -> None:
    assert rendered(with_fields("{id: a, type: text}", "{id: a, type: integer}")) == (
        "customer.yaml:4:10: error: duplicate field id 'a'\n"
        "    4 |   - {id: a, type: integer}\n"
        "      |          ^\n"
        "      = hint: the first field 'a' is on line 3"
    )


def test_a_duplicate_is_found_even_when_the_first_field_has_other_problems() -> None:
    assert codes(with_fields("{id: a, type: texte}", "{id: a, type: text}")) == [
        "unknown-type",
        "duplicate-field",
    ]


@pytest.mark.parametrize("field_id", ["1st", "__a", "a__", "a-b", "a b", "'3'", "true", "[a]"])
def test_a_field_id_must_be_a_rules_language_name(field_id: str) -> None:
    assert codes(with_fields(f"{{id: {field_id}, type: text}}")) == ["bad-id"]


@pytest.mark.parametrize("field_id", ["a_b", "_a", "a__b", "逾期天数", "x1"])
def test_valid_field_ids_are_accepted(field_id: str) -> None:
    assert codes(with_fields(f"{{id: {field_id}, type: text}}")) == []


@pytest.mark.parametrize("field_id", ["score", "when", "missing", "days", "规则", "当"])
def test_a_field_id_may_not_be_a_reserved_word(field_id: str) -> None:
    assert codes(with_fields(f"{{id: {field_id}, type: text}}")) == ["reserved-word"]


@pytest.mark.parametrize("field_id", forms.TERMS_FIELDS)
def test_a_field_may_not_take_a_credit_terms_name(field_id: str) -> None:
    (diagnostic,) = forms.check_form(with_fields(f"{{id: {field_id}, type: text}}"), filename="f")
    assert diagnostic.code == "terms-field"
    assert diagnostic.message == (
        f"'{field_id}' is one of the credit terms: credit terms belong to the engine; "
        "rules read them by name"
    )


def test_the_form_key_must_be_a_name_but_may_not_be_reserved_either() -> None:
    assert codes("form: 1form\nfields: []\n") == ["bad-id"]
    assert codes("form: rule\nfields: []\n") == ["reserved-word"]


def test_a_choice_without_options_points_at_the_field() -> None:
    assert rendered(with_fields("{id: industry, type: choice}")) == (
        "customer.yaml:3:5: error: a choice field needs 'options', the list of its values\n"
        "    3 |   - {id: industry, type: choice}\n"
        "      |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "      = hint: for example: options: [low, medium, high]"
    )


def test_choice_options_must_be_distinct_text() -> None:
    assert codes(with_fields("{id: c, type: choice, options: []}")) == ["missing-options"]
    assert codes(with_fields("{id: c, type: choice, options: low}")) == ["wrong-type"]
    assert codes(with_fields("{id: c, type: choice, options: [a, 2, true, a]}")) == [
        "wrong-type",
        "wrong-type",
        "duplicate-option",
    ]


def test_min_greater_than_max_is_an_empty_range() -> None:
    assert rendered(with_fields("{id: n, type: integer, min: 10, max: 5}")) == (
        "customer.yaml:3:42: error: 'max' (5) is less than 'min' (10): no value could be valid\n"
        "    3 |   - {id: n, type: integer, min: 10, max: 5}\n"
        "      |                                          ^"
    )


def test_constraints_apply_only_to_their_types() -> None:
    assert codes(with_fields("{id: a, type: text, min: 1}")) == ["not-applicable"]
    assert codes(with_fields("{id: a, type: integer, max_length: 3}")) == ["not-applicable"]
    assert codes(with_fields("{id: a, type: text, options: [x]}")) == ["not-applicable"]


def test_constraint_values_must_have_the_right_type() -> None:
    assert codes(with_fields("{id: a, type: integer, min: zero, max: true}")) == [
        "wrong-type",
        "wrong-type",
    ]
    assert codes(with_fields("{id: a, type: text, max_length: 2.5}")) == ["wrong-type"]
    assert codes(with_fields("{id: a, type: text, required: 1}")) == ["wrong-type"]


def test_yes_is_not_a_boolean_and_the_hint_says_why() -> None:
    (diagnostic,) = forms.check_form(
        with_fields("{id: a, type: text, required: yes}"), filename="f"
    )
    assert diagnostic.message == "expected true or false for 'required', found the text 'yes'"
    assert diagnostic.hint == (
        "only true and false are booleans (YAML 1.2): 'yes', 'no', 'on' and 'off' are text"
    )


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (
            "{id: a, type: integer, default: 1.5}",
            "the default of an integer field must be a whole number, found the number 1.5",
        ),
        (
            "{id: a, type: integer, min: 0, default: -1}",
            "the default -1 is less than 'min' (0)",
        ),
        (
            "{id: a, type: decimal, max: 1, default: 2}",
            "the default 2 is more than 'max' (1)",
        ),
        (
            "{id: a, type: money, default: '100'}",
            "the default of a money field must be a number (in the base currency), "
            "found the text '100'",
        ),
        (
            "{id: a, type: text, max_length: 2, default: CNY}",
            "the default is 3 characters long, more than 'max_length' (2)",
        ),
        (
            "{id: a, type: text, default: 3}",
            "the default of a text field must be text, found the number 3",
        ),
        (
            "{id: a, type: boolean, default: on}",
            "the default of a boolean field must be true or false, found the text 'on'",
        ),
        (
            "{id: a, type: date, default: 2024-1-1}",
            "the default of a date field must be a date written YYYY-MM-DD, "
            "found the text '2024-1-1'",
        ),
        (
            "{id: a, type: choice, options: [low, high], default: hihg}",
            "the default must be one of the options (low, high), found the text 'hihg'; "
            "did you mean 'high'?",
        ),
        (
            "{id: a, type: text, default: null}",
            "the default of a text field must be text, found nothing",
        ),
    ],
)
def test_a_default_must_fit_the_field(field: str, message: str) -> None:
    (diagnostic,) = forms.check_form(with_fields(field), filename="f")
    assert (diagnostic.code, diagnostic.message) == ("bad-default", message)


def test_labels_are_text_or_known_languages() -> None:
    assert codes(with_fields("{id: a, type: text, label: {en: A, de: B}}")) == ["unknown-language"]
    assert codes(with_fields("{id: a, type: text, label: [A]}")) == ["wrong-type"]
    assert codes(with_fields("{id: a, type: text, label: {en: 3}}")) == ["wrong-type"]
    assert codes("form: f\nlabel: {}\nfields: []\n") == ["wrong-type"]


def test_the_form_and_its_fields_must_have_the_right_shape() -> None:
    assert codes("") == ["empty-form"]
    assert codes("- a\n- b\n") == ["wrong-type"]
    assert codes("form: f\n") == ["missing-key"]
    assert codes("form: f\nfields: {a: text}\n") == ["wrong-type"]
    assert codes(with_fields("{id: a}")) == ["missing-key"]
    assert codes(with_fields("text")) == ["wrong-type"]


def test_a_yaml_syntax_error_is_a_positioned_form_error() -> None:
    with pytest.raises(forms.FormError) as raised:
        forms.load_form("form: f\nfields: [\n", filename=FILENAME)
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "yaml-syntax"
    assert diagnostic.span is not None and diagnostic.span.file == FILENAME


@pytest.mark.parametrize("default", ["null", "[low]", "3"])
def test_a_choice_default_without_options_must_still_be_text(default: str) -> None:
    diagnostics = forms.check_form(
        with_fields(f"{{id: a, type: choice, default: {default}}}"), filename="f"
    )
    assert sorted(d.code for d in diagnostics) == ["bad-default", "missing-options"]
    assert all(d.message for d in diagnostics)  # every diagnostic says what is wrong


def test_a_text_default_of_a_choice_without_options_is_only_missing_options() -> None:
    assert codes(with_fields("{id: a, type: choice, default: low}")) == ["missing-options"]
