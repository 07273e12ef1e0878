"""Cells to field values as a finance team writes them, and the ambiguous ones refused
(forms.import_coercion)."""

from __future__ import annotations

from datetime import date, datetime
from types import MappingProxyType
from typing import Any

import pytest

from forms import COERCIONS, CellError, Field, FieldType, coerce_cell
from forms.import_coercion import EXCEL_1904_EPOCH, percent


def _field(kind: FieldType, **options: Any) -> Field:
    return Field("f", kind, MappingProxyType({"en": "F"}), **options)


def test_every_field_type_has_one_coercion() -> None:
    # A field type added to forms.FieldType needs its entry here: until then this fails.
    assert set(COERCIONS) == set(FieldType)


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("1,234,567.89", 1234567.89),
        ("  42 ", 42),
        ("１２３", 123),
        ("１，２３４．５", 1234.5),
        ("-1,000", -1000),
        ("−12.5", -12.5),
        ("0.5", 0.5),
        (12.0, 12),
        (7, 7),
    ],
)
def test_numbers_read_with_separators_and_full_width_digits(cell: Any, value: Any) -> None:
    got = coerce_cell(_field(FieldType.MONEY), cell)
    assert got == value
    assert type(got) is type(value)


@pytest.mark.parametrize("cell", ["1.234,56", "1,23", "1.234.567", "1 234", "12,34,567"])
def test_ambiguous_numbers_are_row_errors(cell: str) -> None:
    with pytest.raises(CellError) as caught:
        coerce_cell(_field(FieldType.DECIMAL), cell)
    assert caught.value.code == "ambiguous-number"
    assert str(caught.value) == (
        f"'{cell}' is ambiguous: write numbers with '.' before the decimals and ',' only between "
        "groups of three digits, such as 1,234,567.89"
    )


@pytest.mark.parametrize("cell", ["1e5", "abc", "(1,000)"])
def test_other_text_is_not_a_number(cell: str) -> None:
    with pytest.raises(CellError) as caught:
        coerce_cell(_field(FieldType.MONEY), cell)
    assert caught.value.code == "not-a-number"


def test_integer_fields_take_whole_numbers_only() -> None:
    assert coerce_cell(_field(FieldType.INTEGER), "1,200") == 1200
    assert coerce_cell(_field(FieldType.INTEGER), 3.0) == 3
    for cell in ("1.5", 2.5):
        with pytest.raises(CellError) as caught:
            coerce_cell(_field(FieldType.INTEGER), cell)
        assert caught.value.code == "not-whole"


def test_percent_is_a_fraction_only_where_the_field_is_one() -> None:
    fraction = _field(FieldType.DECIMAL, minimum=0, maximum=1)
    assert coerce_cell(fraction, "30%") == pytest.approx(0.3)
    assert coerce_cell(fraction, "３０％") == pytest.approx(0.3)
    assert percent(_field(FieldType.DECIMAL), "12.5%", None) == pytest.approx(0.125)
    # -40% in a field of percentage points (-40.0) would silently be -0.4
    points = _field(FieldType.DECIMAL, minimum=-100)
    with pytest.raises(CellError) as caught:
        coerce_cell(points, "-40%")
    assert caught.value.code == "percent-sign"
    assert str(caught.value) == (
        "'-40%' has a '%' but f is not a fraction; write the number the field holds"
    )


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("TRUE", True),
        ("false", False),
        ("１", True),
        (True, True),
        (0, False),
        ("yes", True),
    ],
)
def test_booleans(cell: Any, value: bool) -> None:
    assert coerce_cell(_field(FieldType.BOOLEAN), cell) is value


def test_a_boolean_that_is_neither_is_an_error() -> None:
    with pytest.raises(CellError) as caught:
        coerce_cell(_field(FieldType.BOOLEAN), "maybe")
    assert caught.value.code == "not-a-boolean"


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("2026-03-04", "2026-03-04"),
        ("2026/3/4", "2026-03-04"),
        ("2026.03.04", "2026-03-04"),
        ("2026年3月4日", "2026-03-04"),
        ("２０２６－０３－０４", "2026-03-04"),
        ("2026-03-04 00:00:00", "2026-03-04"),
        (datetime(2026, 3, 4), "2026-03-04"),
        (date(2026, 3, 4), "2026-03-04"),
        (46085, "2026-03-04"),  # a number cell of a workbook: Excel's serial day
        (1, "1900-01-01"),
        (59, "1900-02-28"),
        (61, "1900-03-01"),
    ],
)
def test_dates(cell: Any, value: str) -> None:
    assert coerce_cell(_field(FieldType.DATE), cell) == value


def test_a_serial_counts_in_the_workbooks_date_system() -> None:
    assert coerce_cell(_field(FieldType.DATE), 1, epoch=EXCEL_1904_EPOCH) == "1904-01-02"


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("03/04/2026", "ambiguous-date"),
        ("4-3-26", "ambiguous-date"),
        ("46085", "bad-date"),  # a serial written as text (CSV): never read as a date
        ("2026-02-30", "bad-date"),
        ("2026-03-04 10:30", "date-with-time"),
        (datetime(2026, 3, 4, 10, 30), "date-with-time"),
        (46085.5, "date-with-time"),
        (60, "bad-date"),  # Excel's 1900-02-29
        ("soon", "bad-date"),
    ],
)
def test_date_errors(cell: Any, code: str) -> None:
    with pytest.raises(CellError) as caught:
        coerce_cell(_field(FieldType.DATE), cell)
    assert caught.value.code == code


def test_ambiguous_date_message() -> None:
    with pytest.raises(CellError) as caught:
        coerce_cell(_field(FieldType.DATE), "03/04/2026")
    assert str(caught.value) == (
        "'03/04/2026' is ambiguous (day or month first?); write dates as YYYY-MM-DD"
    )


def test_text_is_trimmed_and_kept_as_written() -> None:
    assert coerce_cell(_field(FieldType.TEXT), "\u3000沈阳正阳 ") == "沈阳正阳"
    assert coerce_cell(_field(FieldType.TEXT), "ＡＢＣ") == "ＡＢＣ"
    assert coerce_cell(_field(FieldType.TEXT), 13800138000) == "13800138000"
    assert coerce_cell(_field(FieldType.TEXT), "=SUM(A1:A2)") == "=SUM(A1:A2)"
    assert coerce_cell(_field(FieldType.CHOICE), " retail ") == "retail"


@pytest.mark.parametrize("cell", [None, "", "   ", "\u3000"])
def test_an_empty_cell_is_no_value(cell: Any) -> None:
    for kind in FieldType:
        assert coerce_cell(_field(kind), cell) is None


@pytest.mark.parametrize(
    ("kind", "cell", "value"),
    [
        (FieldType.MULTI_CHOICE, "iso9001， iso14001；、", ["iso9001", "iso14001"]),
        (FieldType.COUNTRY, " cn ", "CN"),
        (FieldType.CURRENCY, "cny", "CNY"),
        (FieldType.USCC, "91350100m000100y43", "91350100M000100Y43"),
        (FieldType.PERCENT, "30%", 0.3),
        (FieldType.PERCENT, "0.3", 0.3),
        (FieldType.PHONE, 13812345678.0, "13812345678"),  # an XLSX number cell
        (FieldType.DATETIME, "2026-03-04T09:00:00+08:00", "2026-03-04T09:00:00+08:00"),
        (FieldType.LONG_TEXT, " a note\n", "a note"),
    ],
)
def test_the_field_types_of_issue_11_read_their_cells(
    kind: FieldType, cell: Any, value: Any
) -> None:
    assert coerce_cell(_field(kind), cell) == value


def test_a_spreadsheet_date_time_without_a_zone_is_a_row_error_not_a_guess() -> None:
    with pytest.raises(CellError) as caught:
        coerce_cell(_field(FieldType.DATETIME), datetime(2026, 3, 4, 9, 0))
    assert caught.value.code == "datetime-without-offset"
