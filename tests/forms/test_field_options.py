"""Options of fields: pattern, options with labels, sections, defaults of the newer types; and the
positioned diagnostics of each when written wrong."""

from __future__ import annotations

import time

import pytest
from jsonschema import Draft202012Validator

import forms
from tests.forms.conftest import FILENAME, rendered, with_fields


def load(source: str) -> forms.Form:
    return forms.load_form(source, filename=FILENAME)


# -- pattern -------------------------------------------------------------------------------------


def test_a_pattern_must_match_the_whole_value() -> None:
    form = load(with_fields(r'{id: code, type: text, pattern: "[A-Z]{2}\\d{4}"}'))
    assert forms.validate(form, {"code": "AB1234"}) == ()
    for wrong in ("AB12345", "xAB1234", "AB1234\n", "ab1234"):
        (error,) = forms.validate(form, {"code": wrong})
        assert (error.code, error.path) == ("pattern-mismatch", ("code",)), wrong
    (error,) = forms.validate(form, {"code": "AB12"})
    assert error.message == r"Code must match the pattern [A-Z]{2}\d{4}, found the text 'AB12'"


def test_the_json_schema_pattern_agrees_with_a_whole_match() -> None:
    form = load(with_fields(r'{id: code, type: text, pattern: "a|b"}'))
    schema = form.json_schema()
    assert schema["properties"]["code"]["pattern"] == r"^(?:a|b)$(?![\s\S])"
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    for value in ("a", "b", "ab", "a\n", "xb"):
        assert validator.is_valid({"code": value}) is (forms.validate(form, {"code": value}) == ())


def test_a_pattern_bounds_the_input_it_is_matched_on() -> None:
    form = load(with_fields(r'{id: code, type: long_text, pattern: "[a-z ]*"}'))
    assert form.fields[0].max_length == 200  # a pattern without max_length: 200 characters
    started = time.perf_counter()
    (error,) = forms.validate(form, {"code": "a" * 100_000})
    assert error.code == "too-long"
    assert time.perf_counter() - started < 1


def test_a_bad_pattern_is_told_at_its_position() -> None:
    assert rendered(with_fields('{id: code, type: text, pattern: "[A-Z"}')) == (
        "customer.yaml:3:37: error: the pattern is not a valid regular expression: "
        "unterminated character set\n"
        '    3 |   - {id: code, type: text, pattern: "[A-Z"}\n'
        "      |                                     ^^^^^^\n"
        "      = hint: patterns are Python regular expressions matched against the whole value"
    )


def test_a_pattern_repeating_a_repetition_is_refused() -> None:
    assert rendered(with_fields('{id: code, type: text, pattern: "(a+)+"}')) == (
        "customer.yaml:3:37: error: the pattern repeats a part that itself repeats (like (a+)+), "
        "which can take exponential time\n"
        '    3 |   - {id: code, type: text, pattern: "(a+)+"}\n'
        "      |                                     ^^^^^^^\n"
        "      = hint: patterns are Python regular expressions matched against the whole value"
    )


@pytest.mark.parametrize("pattern", [r"(\d{3}-)+\d{4}", "(?>a+)+", "(?:a++)*", "[A-Z]{2}[0-9]*"])
def test_patterns_that_cannot_backtrack_badly_are_taken(pattern: str) -> None:
    assert (
        forms.check_form(with_fields(f"{{id: c, type: text, pattern: '{pattern}'}}"), filename="f")
        == ()
    )


def test_a_global_flag_inside_the_pattern_is_refused_with_the_way_out() -> None:
    (diagnostic,) = forms.check_form(
        with_fields('{id: c, type: text, pattern: "(?i)abc"}'), filename=FILENAME
    )
    assert (diagnostic.code, diagnostic.message) == (
        "bad-pattern",
        "the pattern cannot be matched whole (global flags not at the start of the expression): "
        "write a flag on a group instead, such as (?i:abc)",
    )


def test_a_pattern_on_a_number_is_not_applicable() -> None:
    assert rendered(with_fields(r'{id: n, type: integer, pattern: "\\d+"}')) == (
        "customer.yaml:3:28: error: 'pattern' applies only to fields of type text, long_text, "
        "not to an integer field\n"
        '    3 |   - {id: n, type: integer, pattern: "\\\\d+"}\n'
        "      |                            ^^^^^^^"
    )


def test_a_pattern_with_a_long_max_length_is_refused_at_the_max_length() -> None:
    assert rendered(with_fields(r'{id: c, type: text, pattern: "\\d+", max_length: 5000}')) == (
        "customer.yaml:3:54: error: a field with a 'pattern' may allow at most 1000 characters, "
        "but 'max_length' is 5000\n"
        '    3 |   - {id: c, type: text, pattern: "\\\\d+", max_length: 5000}\n'
        "      |                                                      ^^^^"
    )


def test_a_default_must_match_the_pattern() -> None:
    (diagnostic,) = forms.check_form(
        with_fields(r'{id: c, type: text, pattern: "\\d+", default: abc}'), filename=FILENAME
    )
    assert (diagnostic.code, diagnostic.message) == (
        "bad-default",
        "the default the text 'abc' does not match the pattern",
    )


# -- options with labels -------------------------------------------------------------------------

LABELLED = """\
form: f
fields:
  - id: size
    type: choice
    options:
      - {value: small, label: {en: Small (under 50 staff), zh: 小型（50 人以下）}}
      - large
      - {value: listed, label: Listed company}
"""


def test_options_may_carry_labels_in_each_language_beside_plain_ones() -> None:
    field = load(LABELLED).fields[0]
    assert field.options == ("small", "large", "listed")
    assert field.option_title("small", "zh") == "小型（50 人以下）"
    assert field.option_title("small") == "Small (under 50 staff)"
    assert field.option_title("large", "zh") == "large"
    assert field.option_title("listed", "zh") == "Listed company"
    assert load(LABELLED).json_schema()["properties"]["size"]["enum"] == [
        "small",
        "large",
        "listed",
        None,
    ]


def test_a_labelled_option_without_a_value_is_told_at_the_option() -> None:
    assert rendered(with_fields("{id: c, type: choice, options: [a, {label: x}]}")) == (
        "customer.yaml:3:40: error: missing 'value' in an option\n"
        "    3 |   - {id: c, type: choice, options: [a, {label: x}]}\n"
        "      |                                        ^^^^^^^^^^"
    )


def test_a_labelled_option_with_an_unknown_key_suggests_the_nearest() -> None:
    (diagnostic,) = forms.check_form(
        with_fields("{id: c, type: choice, options: [{value: a, lable: A}]}"), filename=FILENAME
    )
    assert diagnostic.message == "unknown key 'lable' in an option; did you mean 'label'?"


def test_a_multi_choice_needs_options() -> None:
    assert rendered(with_fields("{id: c, type: multi_choice}")) == (
        "customer.yaml:3:5: error: a multi_choice field needs 'options', the list of its values\n"
        "    3 |   - {id: c, type: multi_choice}\n"
        "      |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "      = hint: for example: options: [low, medium, high]"
    )


# -- sections ------------------------------------------------------------------------------------

SECTIONS = """\
form: customer
sections:
  - {id: identity, label: {en: Identity, zh: 基本信息}}
  - {id: contact, label: {en: Contact, zh: 联系方式}}
fields:
  - {id: name, type: text}
  - {id: contact_email, type: email, section: contact}
  - {id: uscc, type: uscc, section: identity}
  - {id: contact_phone, type: phone, section: contact}
"""


def test_sections_group_fields_in_the_order_of_the_sections() -> None:
    form = load(SECTIONS)
    assert [s.id for s in form.sections] == ["identity", "contact"]
    assert form.sections[0].title("zh") == "基本信息"
    assert [
        (section.id if section else None, [f.id for f in fields])
        for section, fields in form.fields_by_section()
    ] == [
        (None, ["name"]),
        ("identity", ["uscc"]),
        ("contact", ["contact_email", "contact_phone"]),
    ]


def test_an_unknown_section_suggests_the_nearest() -> None:
    source = SECTIONS.replace(
        "section: contact}\n  - {id: uscc", "section: contacts}\n  - {id: uscc"
    )
    assert rendered(source) == (
        "customer.yaml:7:47: error: unknown section 'contacts'; did you mean 'contact'?\n"
        "    7 |   - {id: contact_email, type: email, section: contacts}\n"
        "      |                                               ^^^^^^^^"
    )


def test_a_duplicate_section_is_told_at_the_second() -> None:
    source = SECTIONS.replace("{id: contact, label", "{id: identity, label")
    (first, *_) = forms.check_form(source, filename=FILENAME)
    assert rendered(source).startswith(
        "customer.yaml:4:10: error: duplicate section id 'identity'\n"
        "    4 |   - {id: identity, label: {en: Contact, zh: 联系方式}}\n"
        "      |          ^^^^^^^^"
    )
    assert first.code == "duplicate-section"


# -- defaults of the newer types -----------------------------------------------------------------


def test_a_multi_choice_default_lists_distinct_options() -> None:
    assert rendered(
        with_fields("{id: c, type: multi_choice, options: [a, b], default: [a, c]}")
    ) == (
        "customer.yaml:3:59: error: the default must list distinct options (a, b), found a, c\n"
        "    3 |   - {id: c, type: multi_choice, options: [a, b], default: [a, c]}\n"
        "      |                                                           ^^^^^^"
    )
    form = load(with_fields("{id: c, type: multi_choice, options: [a, b], default: [b]}"))
    assert forms.normalise(form, {}) == {"c": ["b"]}
    assert form.json_schema()["properties"]["c"]["default"] == ["b"]


def test_a_uscc_default_must_have_its_check_character() -> None:
    (diagnostic,) = forms.check_form(
        with_fields('{id: c, type: uscc, default: "91350100M000100Y44"}'), filename=FILENAME
    )
    assert diagnostic.message == (
        "the default of a uscc field must be a unified social credit code (18 characters with "
        "a valid check character), found the text '91350100M000100Y44'"
    )


def test_a_phone_default_is_kept_as_e164() -> None:
    form = load(with_fields('{id: c, type: phone, default: "138 1234 5678"}'))
    assert form.fields[0].default == "+8613812345678"


def test_a_datetime_default_may_be_written_unquoted() -> None:
    form = load(with_fields("{id: c, type: datetime, default: 2026-01-01T09:00:00+08:00}"))
    assert form.fields[0].default == "2026-01-01T09:00:00+08:00"


def test_percent_takes_min_max_and_risk_direction() -> None:
    form = load(with_fields("{id: share, type: percent, min: 0, max: 1, risk_direction: up}"))
    field = form.fields[0]
    assert (field.minimum, field.maximum, field.risk_direction) == (0, 1, "up")
    (error,) = forms.validate(form, {"share": 1.2})
    assert error.message == "Share must be at most 1"
