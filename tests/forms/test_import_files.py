"""Reading import files: CSV encodings, XLSX cells as typed, formulas as text, and every bound
checked before parsing (forms.import_files)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

import forms
from dsl import render
from forms import ImportFileError, import_files, read_table

CSV = "external_ref,name,max_overdue_days\nC1,沈阳正阳新能源有限公司,0\nC2,厦门博雅,59\n"


def xlsx(rows: list[list[object]]) -> bytes:
    """A workbook whose first sheet holds `rows`, as Excel would save it."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _refusal(data: bytes, filename: str = "f.csv") -> str:
    with pytest.raises(ImportFileError) as caught:
        read_table(data, filename=filename)
    (diagnostic,) = caught.value.diagnostics
    return f"{diagnostic.code}: {render(diagnostic)}"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CSV.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + CSV.encode("utf-8"), "utf-8-sig"),
        (CSV.encode("gb18030"), "gb18030"),
        (CSV.encode("utf-16"), "utf-16"),
    ],
)
def test_a_csv_reads_the_same_in_each_encoding_and_says_which(data: bytes, encoding: str) -> None:
    table = read_table(data, filename="customers.csv")
    assert table.encoding == encoding
    assert table.header == ("external_ref", "name", "max_overdue_days")
    assert table.rows == (
        (2, ("C1", "沈阳正阳新能源有限公司", "0")),
        (3, ("C2", "厦门博雅", "59")),
    )


def test_blank_rows_are_not_data_rows_and_keep_the_numbering() -> None:
    table = read_table(b"a,b\n1,2\n,\n\n3,4\n", filename="f.csv")
    assert table.rows == ((2, ("1", "2")), (5, ("3", "4")))


def test_a_file_in_neither_encoding_is_refused() -> None:
    assert _refusal(b"a,b\n\xff\xfe\xfa,1\n"[:3] + b"\x81\x30\xff\n") == (
        "unknown-encoding: f.csv:1:1: error: the file is neither UTF-8 nor GB18030 text; save it "
        "as CSV UTF-8 and try again"
    )


def test_too_large_a_file_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_files, "MAX_FILE_BYTES", 1024 * 1024)
    assert _refusal(b"a\n" + b"x" * (1024 * 1024)) == (
        "file-too-large: f.csv:1:1: error: the file is 2 MB; an import file may be at most 1 MB"
    )


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_files, "MAX_ROWS", 3)
    assert _refusal(b"a\n1\n2\n3\n4\n") == (
        "too-many-rows: f.csv:5:1: error: the file has more than 3 data rows; split it into "
        "several files"
    )
    assert _refusal(xlsx([["a"], [1], [2], [3], [4]]), "f.xlsx").startswith(
        "too-many-rows: f.xlsx:5:1:"
    )


def test_too_many_columns_and_too_long_a_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_files, "MAX_COLUMNS", 2)
    assert _refusal(b"a,b,c\n1,2,3\n") == (
        "too-many-columns: f.csv:1:3: error: the header has 3 columns; an import file may have "
        "at most 2"
    )
    monkeypatch.setattr(import_files, "MAX_CELL_CHARS", 5)
    assert _refusal(b"a,b\n1,123456\n") == (
        "cell-too-long: f.csv:2:2: error: the cell holds 6 characters; a cell may hold at most 5"
    )


def test_a_header_column_without_a_name_is_refused() -> None:
    assert _refusal(b"a,,c\n1,2,3\n") == (
        "empty-header: f.csv:1:2: error: column 2 has no name in the header row"
    )


def test_an_empty_file_and_a_malformed_csv() -> None:
    assert _refusal(b"").startswith("empty-file: f.csv:1:1: error: the file is empty")
    assert _refusal(b'a,b\n"unclosed,1\n').startswith("malformed-csv: f.csv:")


def test_xlsx_cells_keep_their_types_and_a_formula_stays_text() -> None:
    data = xlsx(
        [
            ["external_ref", "registered_capital", "since", "has_guarantee", "note"],
            ["C1", 1234567.5, datetime(2020, 5, 1), True, "=1+1"],
            ["C2", "=SUM(B2:B2)", 43952, False, None],
        ]
    )
    table = read_table(data, filename="customers.xlsx")
    assert table.encoding is None
    assert table.epoch is not None and table.epoch.isoformat() == "1899-12-30"
    assert table.rows == (
        (2, ("C1", 1234567.5, datetime(2020, 5, 1), True, "=1+1")),
        (3, ("C2", "=SUM(B2:B2)", 43952, False)),
    )


def test_a_malformed_xlsx_is_a_clear_error_not_a_traceback() -> None:
    good = xlsx([["a"], [1]])
    assert _refusal(good[: len(good) // 2], "broken.xlsx").startswith(
        "malformed-xlsx: broken.xlsx:1:1: error: the file is not a readable XLSX workbook ("
    )
    # a zip that is no workbook
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert _refusal(out.getvalue(), "other.xlsx") == (
        "malformed-xlsx: other.xlsx:1:1: error: the file is not a readable XLSX workbook "
        "(no xl/workbook.xml)"
    )
    # a workbook whose sheet XML is broken
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            body = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                body = body[: len(body) // 2]
            target.writestr(item, body)
    assert _refusal(broken.getvalue(), "sheet.xlsx").startswith("malformed-xlsx: sheet.xlsx:1:1:")


def test_an_xlsx_that_unpacks_too_large_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_files, "MAX_UNPACKED_BYTES", 1000)
    assert _refusal(xlsx([["a"], ["x" * 2000]]), "big.xlsx").startswith(
        "file-too-large: big.xlsx:1:1: error: the workbook unpacks to 1 MB; at most 0 MB is read"
    )


def test_bounds_are_documented_constants() -> None:
    assert forms.MAX_FILE_BYTES == 64 * 1024 * 1024
    assert forms.MAX_ROWS == 200_000
    assert forms.MAX_COLUMNS == 200
    assert forms.MAX_CELL_CHARS == 10_000
