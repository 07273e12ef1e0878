"""A form definition is bounded: its YAML limits (dsl/yaml_source.py) come back as a positioned
`FormError`, and what the limits allow is read in time linear in its size (counted, not timed)."""

from __future__ import annotations

import pytest

import dsl
import forms
from forms.field_reader import FieldReader

FILENAME = "forms/customer.yaml"


def test_an_anchored_field_is_a_positioned_form_error() -> None:
    text = "form: customer\nfields:\n  - &name {id: name, type: text}\n  - *name\n"
    with pytest.raises(forms.FormError) as raised:
        forms.load_form(text, filename=FILENAME)
    assert dsl.render_all(raised.value.diagnostics, {FILENAME: text}) == (
        "forms/customer.yaml:3:5: error: '&name': anchors and aliases are not allowed in a "
        "definition; write the value out where it is used\n"
        "    3 |   - &name {id: name, type: text}\n"
        "      |     ^^^^^"
    )


def test_a_form_nested_too_deep_is_a_form_error_not_a_recursion_error() -> None:
    text = "form: customer\nfields: " + "[" * 400 + "]" * 400 + "\n"
    assert [d.code for d in forms.check_form(text, filename=FILENAME)] == ["yaml-too-deep"]


def test_a_form_over_one_mib_is_refused_before_it_is_read() -> None:
    text = "form: customer\nfields:\n  - {id: a, type: text}\n" + "#" * (1024 * 1024) + "\n"
    (problem,) = forms.check_form(text, filename=FILENAME)
    assert (problem.code, problem.message) == (
        "yaml-too-large",
        "this file is larger than 1024 KiB; split the definition",
    )


class _Option(str):
    """An option that counts how often it is compared for equality."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        _Option.comparisons += 1
        return str.__eq__(self, other)

    def __hash__(self) -> int:
        return str.__hash__(self)


def _comparisons(count: int) -> int:
    """The comparisons of options that reading a choice field of `count` options makes."""
    document = dsl.load_yaml("{id: c, type: choice, options: [x]}", filename=FILENAME)
    options = dsl.YamlList(_Option(f"o{i}") for i in range(count))
    options.span = document.value_span("options")
    options.item_spans = [options.span] * count
    document["options"] = options
    _Option.comparisons = 0
    reader = FieldReader(FILENAME)
    assert reader.options(document, forms.FieldType.CHOICE, document.span)[0] == tuple(options)
    assert reader.diagnostics == []
    return _Option.comparisons


def test_reading_the_options_of_a_choice_field_is_linear() -> None:
    # a 9.5 MB form of options took 117 CPU-seconds: each option was looked up in a list
    assert _comparisons(4_000) <= 2 * _comparisons(2_000) + 10
    assert _comparisons(2_000) < 2_000
