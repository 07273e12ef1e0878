"""Comparing two versions of a form and checking a mapping of their stored values. Pure."""

from __future__ import annotations

from typing import Any

import dsl
import forms

OLD = """form: customer
fields:
  - {id: name, type: text, required: true, max_length: 200}
  - {id: phone, type: phone}
  - {id: fax, type: phone}
  - {id: overdue, type: integer, min: 0}
  - {id: grade, type: choice, options: [a, b, c]}
  - {id: note, type: text}
"""
NEW = """form: customer
fields:
  - {id: name, type: text, required: true, max_length: 100}
  - {id: mobile, type: phone}
  - {id: office, type: phone}
  - {id: overdue, type: integer, min: 0, max: 365}
  - {id: grade, type: choice, options: [a, b], required: true}
  - {id: note, type: long_text}
  - {id: site, type: url}
"""


def load(source: str) -> forms.Form:
    return forms.load_form(source, filename="customer.yaml")


def problems(raw: Any, needed: tuple[str, ...] = ("phone", "fax")) -> list[tuple[str, str]]:
    old, new = load(OLD), load(NEW)
    mapping, shape = forms.read_mapping(raw)
    found = shape or forms.check_mapping(
        mapping, old=old, new=new, changes=forms.compare_forms(old, new), needed=needed
    )
    return [(forms.path_text(e.path), e.code) for e in found]


def test_added_removed_and_narrowed_fields_are_told_apart() -> None:
    changes = forms.compare_forms(load(OLD), load(NEW))
    assert changes.added == ("mobile", "office", "site")
    assert [(c.field_id, str(c.kind), c.reasons, c.candidates) for c in changes.changes] == [
        ("name", "narrowed", ("max_length",), ()),
        ("phone", "removed", (), ("mobile", "office")),
        ("fax", "removed", (), ("mobile", "office")),
        ("overdue", "narrowed", ("maximum",), ()),
        ("grade", "narrowed", ("options", "required"), ()),
        ("note", "narrowed", ("type",), ()),
    ]
    assert forms.compare_forms(load(OLD), load(OLD)).changes == ()


def test_a_good_mapping_has_no_problems() -> None:
    assert problems({"phone": {"rename": "mobile"}, "fax": "drop", "grade": {"default": "a"}}) == []


def test_every_problem_of_a_mapping_is_found_at_its_path() -> None:
    assert problems({"phone": {"rename": "office"}, "fax": {"rename": "office"}}) == [
        ("mapping.fax.rename", "duplicate-target")
    ]
    assert problems({"fax": "drop"}) == [("mapping.phone", "missing-mapping")]
    assert problems(
        {
            "phone": {"rename": "name"},
            "fax": {"default": "+8613800000000"},
            "grade": {"drop": True},
            "overdue": {"rename": "site"},
            "nope": "drop",
            "note": {"default": "x" * 5},
        },
        needed=(),
    ) == [
        ("mapping.phone.rename", "target-filled"),
        ("mapping.fax.default", "default-removed"),
        ("mapping.grade.drop", "drop-required"),
        ("mapping.overdue.rename", "rename-kept"),
        ("mapping.nope", "unknown-field"),
    ]
    assert problems({"overdue": {"default": 400}}, needed=()) == [
        ("mapping.overdue.default", "above-maximum")
    ]


def test_the_shape_of_a_mapping_is_checked_first() -> None:
    assert problems([1]) == [("mapping", "wrong-type")]
    assert problems({"phone": {"rename": "mobile", "drop": True}, "fax": {"keep": 1}}) == [
        ("mapping.phone", "wrong-type"),
        ("mapping.fax", "wrong-type"),
    ]
    assert problems({str(n): "drop" for n in range(forms.versions.MAX_MAPPED_FIELDS + 1)}) == [
        ("mapping", "too-many")
    ]


def test_a_problem_of_a_mapping_file_points_at_its_line() -> None:
    document = dsl.load_yaml("fax: drop\nphone:\n  rename: name\n", filename="m.yaml")
    span = forms.mapping_span(document, ("mapping", "phone", "rename"))
    assert span is not None and (span.file, span.line, span.column) == ("m.yaml", 3, 3)


def test_a_missing_value_does_not_fit_a_required_field() -> None:
    new = load(NEW)
    grade = new.field("grade")
    assert grade is not None
    problem = forms.value_problem(new, grade, None)
    assert problem is not None and problem.code == "required"
    assert forms.value_problem(new, grade, "a") is None
