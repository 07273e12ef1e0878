"""Columns to fields: by id, by either language's label, or by a mapping file checked with
positioned diagnostics (forms.import_mapping)."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from dsl import render_all
from forms import Field, FieldType, ImportMappingError, Target, load_mapping, map_columns

FIELDS = (
    Field("name", FieldType.TEXT, MappingProxyType({"en": "Company name", "zh": "公司名称"})),
    Field(
        "max_overdue_days",
        FieldType.INTEGER,
        MappingProxyType({"en": "Overdue", "zh": "最长逾期天数"}),
    ),
)
TARGETS = (Target("external_ref", ("ref",)), *(Target.of_field(f) for f in FIELDS))


def _problems(call: object) -> str:
    assert callable(call)
    with pytest.raises(ImportMappingError) as caught:
        call()
    return render_all(caught.value.diagnostics)


def test_columns_map_by_id_label_in_either_language_and_alias() -> None:
    mapped = map_columns(("ref", "公司名称", "OVERDUE"), TARGETS, filename="f.csv")
    assert mapped.targets == ("external_ref", "name", "max_overdue_days")
    assert mapped.column_of("name") == "公司名称"


def test_unknown_duplicate_and_repeated_columns_are_all_reported() -> None:
    header = ("external_ref", "name", "Company name", "max_overdu_days", "name")
    assert _problems(lambda: map_columns(header, TARGETS, filename="f.csv")) == (
        "f.csv:1:3: error: columns 'name' and 'Company name' both fill field 'name'\n"
        "f.csv:1:4: error: column 'max_overdu_days' is no field of the form; did you mean "
        "'max_overdue_days'?\n"
        "      = hint: map it in a mapping file, or list it under 'ignore'\n"
        "f.csv:1:5: error: column 'name' is named twice in the header (columns 2 and 5)"
    )


MAPPING = """\
columns:
  客户名称: name
  逾期: max_overdue_days
ignore: [备注]
"""


def test_a_mapping_file_names_columns_and_ignores_others() -> None:
    mapping = load_mapping(MAPPING, filename="mapping.yaml", targets=TARGETS)
    mapped = map_columns(
        ("external_ref", "客户名称", "逾期", "备注"), TARGETS, filename="f.csv", mapping=mapping
    )
    assert mapped.targets == ("external_ref", "name", "max_overdue_days", None)


def test_a_mapping_file_is_checked_with_positions() -> None:
    source = "columns:\n  客户名称: nmae\n  逾期: [1]\nignore: 备注\nextra: 1\n"
    assert _problems(lambda: load_mapping(source, filename="mapping.yaml", targets=TARGETS)) == (
        "mapping.yaml:5:1: error: unknown key 'extra' in a mapping file\n"
        "mapping.yaml:2:9: error: column '客户名称' is mapped to unknown field 'nmae'; did you "
        "mean 'name'?\n"
        "mapping.yaml:3:7: error: expected the field id column '逾期' fills, found a list\n"
        "mapping.yaml:4:9: error: expected 'ignore' to be a list of column names, found the text "
        "'备注'"
    )


def test_a_mapped_column_the_file_lacks_is_reported() -> None:
    mapping = load_mapping(MAPPING, filename="mapping.yaml", targets=TARGETS)
    assert (
        _problems(
            lambda: map_columns(
                ("external_ref", "客户名称"), TARGETS, filename="f.csv", mapping=mapping
            )
        )
        == "mapping.yaml:3:3: error: the mapping names column '逾期', which the file lacks"
    )


def test_a_label_two_fields_share_is_ambiguous() -> None:
    targets = (Target("a", ("Amount",)), Target("b", ("amount",)))
    assert _problems(lambda: map_columns(("amount",), targets, filename="f.csv")) == (
        "f.csv:1:1: error: column 'amount' could fill a, b; name the field in a mapping file"
    )
