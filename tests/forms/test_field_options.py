"""Options of fields: pattern, options with labels, sections, defaults of the newer types; and the
positioned diagnostics of each when written wrong."""

from __future__ import annotations

import time

import pytest
from jsonschema import Draft202012Validator

import dsl
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


def placed(diagnostic: dsl.Diagnostic) -> tuple[str, int, int]:
    """A diagnostic's code and where it starts."""
    assert diagnostic.span is not None
    return diagnostic.code, diagnostic.span.line, diagnostic.span.column


# -- visible_when / required_when -----------------------------------------------------------------

CONDITIONAL = with_fields(
    "{id: is_cross_border, type: boolean}",
    '{id: export_licence, type: text, visible_when: "is_cross_border", required: true}',
    "{id: overdue_days, type: integer}",
    '{id: collection_notes, type: long_text, required_when: "overdue_days > 90"}',
    '{id: reviewer, type: text, visible_when: "credit_limit >= 1 million", default: nobody}',
)


def test_field_states_say_which_fields_are_shown_and_required_for_a_partial_record() -> None:
    form = load(CONDITIONAL)
    states = forms.field_states(form, {})
    assert states.visible == {"is_cross_border", "overdue_days", "collection_notes"}
    assert states.required == frozenset()
    states = forms.field_states(
        form, {"is_cross_border": True, "overdue_days": 91}, terms={"credit_limit": 2_000_000}
    )
    assert states.visible == {f.id for f in form.fields}
    assert states.required == {"export_licence", "collection_notes"}
    assert states.is_required("export_licence") and not states.is_visible("nothing")


def test_a_missing_value_makes_a_condition_false() -> None:
    states = forms.field_states(load(CONDITIONAL), {"is_cross_border": None, "overdue_days": None})
    assert "export_licence" not in states.visible
    assert "collection_notes" not in states.required


def test_a_field_required_when_its_condition_holds_refuses_a_missing_value() -> None:
    form = load(CONDITIONAL)
    assert forms.validate(form, {"overdue_days": 90}) == ()
    for empty in ({}, {"collection_notes": None}, {"collection_notes": ""}):
        (error,) = forms.validate(form, {"overdue_days": 91, **empty})
        assert (error.path, error.code, error.message) == (
            ("collection_notes",),
            "required",
            "required field 'collection_notes' is missing (it is required when overdue_days > 90)",
        )
    assert forms.validate(form, {"overdue_days": 91, "collection_notes": "called twice"}) == ()


def test_a_required_field_that_is_shown_must_hold_a_value_and_one_hidden_need_not() -> None:
    form = load(CONDITIONAL)
    assert forms.validate(form, {"is_cross_border": False}) == ()
    (error,) = forms.validate(form, {"is_cross_border": True})
    assert (error.path, error.code) == (("export_licence",), "required")
    assert forms.validate(form, {"is_cross_border": True, "export_licence": "EL-1"}) == ()


def test_a_value_for_a_hidden_field_is_refused_not_dropped() -> None:
    form = load(CONDITIONAL)
    (error,) = forms.validate(form, {"is_cross_border": False, "export_licence": "EL-1"})
    assert (error.path, error.code, error.message) == (
        ("export_licence",),
        "not-visible",
        "Export licence applies only when is_cross_border: leave it out or send null",
    )
    assert forms.validate(form, {"is_cross_border": False, "export_licence": None}) == ()


def test_conditions_read_the_credit_terms_and_a_hidden_field_gets_no_default() -> None:
    form = load(CONDITIONAL)
    assert "reviewer" not in forms.normalise(form, {}, terms={"credit_limit": 10})
    shown = forms.normalise(form, {}, terms={"credit_limit": 1_000_000})
    assert shown["reviewer"] == "nobody"
    (error,) = forms.validate(form, {"reviewer": "li"}, terms={"credit_limit": 10})
    assert error.code == "not-visible"


def test_the_json_schema_carries_the_conditions_as_annotations_and_stays_valid() -> None:
    schema = load(CONDITIONAL).json_schema()
    Draft202012Validator.check_schema(schema)
    licence = schema["properties"]["export_licence"]
    assert licence["x-riskdesk-visible-when"] == "is_cross_border"
    assert "export_licence" not in schema["required"]  # it may be hidden
    assert schema["properties"]["collection_notes"]["x-riskdesk-required-when"] == (
        "overdue_days > 90"
    )


def test_a_condition_naming_an_unknown_field_is_told_inside_the_yaml_string() -> None:
    source = with_fields(
        "{id: a, type: boolean}", '{id: b, type: text, visible_when: "a and c > 1"}'
    )
    assert rendered(source) == (
        "customer.yaml:4:46: error: unknown field 'c'; did you mean 'a'?\n"
        '    4 |   - {id: b, type: text, visible_when: "a and c > 1"}\n'
        "      |                                              ^"
    )


def test_a_condition_must_be_true_or_false() -> None:
    (diagnostic,) = forms.check_form(
        with_fields("{id: n, type: integer}", '{id: b, type: text, required_when: "n + 1"}'),
        filename=FILENAME,
    )
    assert placed(diagnostic) == (
        "not-a-condition",
        4,
        41,
    )


def test_a_condition_that_is_not_text_is_refused() -> None:
    assert rendered(with_fields("{id: c, type: text, visible_when: 5}")) == (
        "customer.yaml:3:39: error: expected 'visible_when' to be a rules-language expression "
        "(text), found the number 5\n"
        "    3 |   - {id: c, type: text, visible_when: 5}\n"
        "      |                                       ^"
    )


def test_required_when_on_an_always_required_field_is_refused() -> None:
    (diagnostic,) = forms.check_form(
        with_fields('{id: e, type: text, required: true, required_when: "true"}'),
        filename=FILENAME,
    )
    assert (diagnostic.code, diagnostic.message) == (
        "always-required",
        "'required_when' has no effect on a field that is always required",
    )


# -- computed ------------------------------------------------------------------------------------

COMPUTED = with_fields(
    "{id: outstanding_balance, type: money}",
    "{id: usage_ratio, type: decimal, "
    'computed: "if credit_limit > 0 then outstanding_balance / credit_limit else 0"}',
    '{id: over_limit, type: boolean, computed: "usage_ratio > 1"}',
    '{id: watch_note, type: text, visible_when: "over_limit"}',
)


def test_computed_values_are_computed_in_order_and_read_the_terms() -> None:
    form = load(COMPUTED)
    assert forms.computed_values(
        form, {"outstanding_balance": 150}, terms={"credit_limit": 100}
    ) == {"usage_ratio": 1.5, "over_limit": True}
    # a missing value is left out (a comparison with a missing operand is false)
    assert forms.computed_values(form, {}, terms={"credit_limit": 100}) == {"over_limit": False}
    stored = forms.normalise(form, {"outstanding_balance": 50}, terms={"credit_limit": 100})
    assert stored == {"outstanding_balance": 50, "usage_ratio": 0.5, "over_limit": False}


def test_a_value_sent_for_a_computed_field_is_refused() -> None:
    form = load(COMPUTED)
    (error,) = forms.validate(form, {"outstanding_balance": 5, "usage_ratio": 0.1})
    assert (error.path, error.code, error.message) == (
        ("usage_ratio",),
        "computed-field",
        "Usage ratio is computed (if credit_limit > 0 then outstanding_balance / credit_limit "
        "else 0): leave it out or send null",
    )
    assert forms.validate(form, {"outstanding_balance": 5, "usage_ratio": None}) == ()


def test_conditions_read_computed_values() -> None:
    form = load(COMPUTED)
    terms = {"credit_limit": 100}
    assert forms.validate(form, {"outstanding_balance": 150, "watch_note": "x"}, terms=terms) == ()
    (error,) = forms.validate(form, {"outstanding_balance": 50, "watch_note": "x"}, terms=terms)
    assert error.code == "not-visible"
    assert forms.field_states(form, {"outstanding_balance": 150}, terms=terms).computed == {
        "usage_ratio": 1.5,
        "over_limit": True,
    }


def test_a_computed_field_is_read_only_in_the_json_schema() -> None:
    schema = load(COMPUTED).json_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["usage_ratio"]["readOnly"] is True
    assert schema["properties"]["over_limit"]["x-riskdesk-computed"] == "usage_ratio > 1"


def test_a_computed_date_is_stored_as_iso_text() -> None:
    form = load(
        with_fields("{id: since, type: date}", '{id: review, type: date, computed: "since"}')
    )
    assert forms.computed_values(form, {"since": "2024-02-29"}) == {"review": "2024-02-29"}


def test_a_computed_value_must_fit_the_type_of_its_field() -> None:
    (diagnostic,) = forms.check_form(
        with_fields("{id: n, type: decimal}", '{id: b, type: boolean, computed: "n * 2"}'),
        filename=FILENAME,
    )
    assert placed(diagnostic) == (
        "not-a-condition",
        4,
        39,
    )


def test_computed_fields_reading_each_other_in_a_cycle_are_refused() -> None:
    assert rendered(
        with_fields(
            '{id: c, type: decimal, computed: "d + 1"}', '{id: d, type: decimal, computed: "c * 2"}'
        )
    ) == (
        "customer.yaml:3:38: error: computed fields read each other in a cycle: c → d → c\n"
        '    3 |   - {id: c, type: decimal, computed: "d + 1"}\n'
        "      |                                      ^^^^^^^\n"
        "      = hint: a computed field may read other computed fields, but not itself"
    )


def test_a_computed_field_reading_itself_is_a_cycle() -> None:
    (diagnostic,) = forms.check_form(
        with_fields('{id: c, type: decimal, computed: "c + 1"}'), filename=FILENAME
    )
    assert (diagnostic.code, diagnostic.message) == (
        "computed-cycle",
        "computed fields read each other in a cycle: c → c",
    )


@pytest.mark.parametrize(
    ("option", "column"), [("required: true", 43), ("default: 1", 43), ("sensitive: true", 43)]
)
def test_a_computed_field_cannot_be_required_defaulted_or_sensitive(
    option: str, column: int
) -> None:
    (diagnostic,) = forms.check_form(
        with_fields(f'{{id: c, type: decimal, computed: "1", {option}}}'), filename=FILENAME
    )
    key = option.split(":")[0]
    assert (diagnostic.message, placed(diagnostic)) == (
        f"'{key}' does not apply to a computed field: its value is computed",
        ("not-with-computed", 3, column),
    )


def test_a_field_of_a_type_that_cannot_be_computed_is_refused() -> None:
    (diagnostic,) = forms.check_form(
        with_fields('{id: c, type: integer, computed: "1"}'), filename=FILENAME
    )
    assert (diagnostic.code, diagnostic.message) == (
        "not-computable",
        "an integer field cannot be computed; computed fields are of type text, long_text, "
        "decimal, percent, money, boolean, date",
    )
