"""Read the bytes of an import file (CSV or XLSX) into a header and its rows of cells. Pure: no I/O
beyond the bytes given (docs/import.md, "Files").

Every bound is checked before the parser sees the bytes (size, and for an XLSX the unpacked size of
its parts), then while reading (rows, columns, cell length): a file too large is refused whole with
a diagnostic, never read half. A CSV is UTF-8 (with or without BOM), UTF-16 with a BOM, or, when it
is not UTF-8, GB18030 (what Chinese Excel saves as "CSV"); the encoding used is part of the result,
so a caller can say it. An XLSX is read with openpyxl in read-only mode: a cell holding a formula is
its text (`=SUM(A1:A3)`), never evaluated; a date cell is a `datetime`, a number cell an int or
float. Problems are `Diagnostic`s whose span is the row (line) and column (1-based) of the cell.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Final, NoReturn

from dsl import Diagnostic, DiagnosticsError, Span
from dsl.diagnostics import error
from dsl.texts import N_, Text, text

# A cell as read: CSV cells are text; XLSX cells keep their type (None: empty).
Cell = str | int | float | bool | datetime | date | time | None

MAX_FILE_BYTES: Final = 64 * 1024 * 1024  # the file as given
MAX_UNPACKED_BYTES: Final = 512 * 1024 * 1024  # an XLSX's parts once unzipped (a zip bomb's)
MAX_ROWS: Final = 200_000  # data rows, the header not counted
MAX_COLUMNS: Final = 200
MAX_CELL_CHARS: Final = 10_000

_ZIP_MAGIC = b"PK\x03\x04"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class ImportFileError(DiagnosticsError):
    """An import file that cannot be read; `diagnostics` says why and where."""


@dataclass(frozen=True, slots=True)
class Table:
    """The header (one name per column, trimmed) and the data rows of a file, each with its row
    number as a spreadsheet shows it (the header is row 1). Blank rows are left out.
    `encoding` is how a CSV was decoded (`utf-8`, `utf-8-sig`, `utf-16`, `gb18030`); None for an
    XLSX, whose `epoch` is the day its serial date numbers count from."""

    filename: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]
    encoding: str | None = None
    epoch: date | None = None  # an XLSX's day 0 of Excel serial dates (1900 or 1904 system)
    # where each header cell starts: its character column on line 1 of a CSV, its column
    # number in an XLSX (what a diagnostic about the header points at)
    header_columns: tuple[int, ...] = ()

    def header_column(self, index: int) -> int:
        """The 1-based position of header cell `index` (0-based), as `header_columns` says."""
        return self.header_columns[index] if index < len(self.header_columns) else index + 1


def read_table(data: bytes, *, filename: str) -> Table:
    """The table in `data`: an XLSX when the name ends in `.xlsx` or the bytes are a zip, else a
    CSV. Raises ImportFileError (too large, not decodable, malformed, over a bound)."""
    if len(data) > MAX_FILE_BYTES:
        _refuse(
            "file-too-large",
            text(
                N_("the file is %(size)d MB; an import file may be at most %(max)d MB"),
                size=-(-len(data) // (1024 * 1024)),  # rounded up: never "64 MB; at most 64"
                max=MAX_FILE_BYTES // (1024 * 1024),
            ),
            filename,
        )
    if filename.lower().endswith(".xlsx") or data.startswith(_ZIP_MAGIC):
        return read_xlsx(data, filename=filename)
    return read_csv(data, filename=filename)


def _refuse(code: str, message: Text, filename: str, row: int = 1, column: int = 1) -> NoReturn:
    raise ImportFileError([cell_diagnostic(code, message, filename, row, column)])


def cell_diagnostic(code: str, message: Text, filename: str, row: int, column: int) -> Diagnostic:
    """A diagnostic at the cell of `row` (the header is 1) and `column` (1-based)."""
    return error(code, message, Span.point(filename, row, column))


# --- CSV ---------------------------------------------------------------------------------------


def decode_csv(data: bytes, *, filename: str) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in. Raises ImportFileError."""
    if data.startswith(_UTF8_BOM):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith(_UTF16_BOMS):
        encodings = ("utf-16",)
    else:
        # UTF-8 is strict enough that text in another encoding almost never decodes as it;
        # GB18030 only when UTF-8 fails, and the caller is told which was used.
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    _refuse(
        "unknown-encoding",
        text(N_("the file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8 and try again")),
        filename,
    )


def read_csv(data: bytes, *, filename: str) -> Table:
    """The table of a CSV file (comma-separated, `"` quoting). Raises ImportFileError."""
    source, encoding = decode_csv(data, filename=filename)
    if "\x00" in source:
        line = source.count("\n", 0, source.index("\x00")) + 1
        _refuse("control-character", text(N_("the file holds a NUL character")), filename, line)
    reader = csv.reader(io.StringIO(source, newline=""), strict=True)
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    header: tuple[str, ...] | None = None
    number = 0
    try:
        for record in reader:
            number += 1
            if header is None:
                header = _header(record, filename)
                continue
            cells = tuple(
                _bounded_text(cell, filename, number, i + 1) for i, cell in enumerate(record)
            )
            _check_width(cells, filename, number)
            if any(cell.strip() for cell in cells if isinstance(cell, str)):
                rows.append((number, cells))
                _check_rows(len(rows), filename, number)
    except csv.Error as exc:
        _refuse(
            "malformed-csv",
            text(N_("the CSV cannot be read: %(problem)s"), problem=str(exc)),
            filename,
            reader.line_num or 1,
        )
    if header is None:
        _refuse("empty-file", text(N_("the file is empty; expected a header row")), filename)
    return Table(
        filename=filename,
        header=header,
        rows=tuple(rows),
        encoding=encoding,
        header_columns=_cell_starts(source, len(header)),
    )


def _cell_starts(source: str, count: int) -> tuple[int, ...]:
    """The 1-based character column where each of the first `count` cells of the first line
    starts (a quoted cell at its quote)."""
    starts: list[int] = []
    position = 0
    while len(starts) < count and position <= len(source):
        starts.append(position + 1)
        if source.startswith('"', position):
            position += 1
            while position < len(source):
                if source[position] == '"':
                    if source.startswith('""', position):
                        position += 2
                        continue
                    break
                position += 1
            position += 1
        while position < len(source) and source[position] not in ",\r\n":
            position += 1
        if position >= len(source) or source[position] != ",":
            break
        position += 1
    return tuple(starts)


def _bounded_text(cell: str, filename: str, row: int, column: int) -> str:
    if len(cell) > MAX_CELL_CHARS:
        _refuse(
            "cell-too-long",
            text(
                N_("the cell holds %(length)d characters; a cell may hold at most %(max)d"),
                length=len(cell),
                max=MAX_CELL_CHARS,
            ),
            filename,
            row,
            column,
        )
    return cell


def _header(cells: list[str] | tuple[Cell, ...], filename: str) -> tuple[str, ...]:
    names = [("" if cell is None else str(cell)).strip() for cell in cells]
    while names and not names[-1]:
        names.pop()  # trailing empty header cells (XLSX sheets often have them)
    if len(names) > MAX_COLUMNS:
        _refuse(
            "too-many-columns",
            text(
                N_("the header has %(count)d columns; an import file may have at most %(max)d"),
                count=len(names),
                max=MAX_COLUMNS,
            ),
            filename,
            1,
            MAX_COLUMNS + 1,
        )
    if not names:
        _refuse("empty-file", text(N_("the file is empty; expected a header row")), filename)
    for index, name in enumerate(names):
        if not name:
            _refuse(
                "empty-header",
                text(N_("column %(column)d has no name in the header row"), column=index + 1),
                filename,
                1,
                index + 1,
            )
        _bounded_text(name, filename, 1, index + 1)
    return tuple(names)


def _check_width(cells: tuple[Cell, ...], filename: str, row: int) -> None:
    if len(cells) > MAX_COLUMNS:
        _refuse(
            "too-many-columns",
            text(
                N_("the row has %(count)d cells; an import file may have at most %(max)d columns"),
                count=len(cells),
                max=MAX_COLUMNS,
            ),
            filename,
            row,
            MAX_COLUMNS + 1,
        )


def _check_rows(count: int, filename: str, row: int) -> None:
    if count > MAX_ROWS:
        _refuse(
            "too-many-rows",
            text(
                N_("the file has more than %(max)d data rows; split it into several files"),
                max=MAX_ROWS,
            ),
            filename,
            row,
        )


# --- XLSX --------------------------------------------------------------------------------------


def _check_archive(data: bytes, filename: str) -> None:
    """The zip opens and unpacks to at most MAX_UNPACKED_BYTES, told before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        _refuse(
            "malformed-xlsx",
            text(N_("the file is not a readable XLSX workbook (%(problem)s)"), problem=str(exc)),
            filename,
        )
    if unpacked > MAX_UNPACKED_BYTES:
        _refuse(
            "file-too-large",
            text(
                N_("the workbook unpacks to %(size)d MB; at most %(max)d MB is read"),
                size=-(-unpacked // (1024 * 1024)),
                max=MAX_UNPACKED_BYTES // (1024 * 1024),
            ),
            filename,
        )
    if "xl/workbook.xml" not in names:
        _refuse(
            "malformed-xlsx",
            text(
                N_("the file is not a readable XLSX workbook (%(problem)s)"),
                problem="no xl/workbook.xml",
            ),
            filename,
        )


def read_xlsx(data: bytes, *, filename: str) -> Table:
    """The table of the first sheet of an XLSX workbook. Raises ImportFileError."""
    _check_archive(data, filename)
    import openpyxl  # imported here: only XLSX imports pay for it

    try:
        # read_only streams the sheet; data_only=False keeps a formula as its text (never the
        # value Excel cached, never evaluated)
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception as exc:  # openpyxl raises whatever its parsers raise on a broken file
        _refuse(
            "malformed-xlsx",
            text(N_("the file is not a readable XLSX workbook (%(problem)s)"), problem=_said(exc)),
            filename,
        )
    try:
        return _sheet_table(workbook, filename)
    except ImportFileError:
        raise
    except Exception as exc:  # a sheet's XML broken past the workbook's
        _refuse(
            "malformed-xlsx",
            text(N_("the file is not a readable XLSX workbook (%(problem)s)"), problem=_said(exc)),
            filename,
        )
    finally:
        workbook.close()


def _said(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def _sheet_table(workbook: object, filename: str) -> Table:
    sheet = workbook.worksheets[0]  # type: ignore[attr-defined]
    header: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if len(values) > MAX_COLUMNS and any(v is not None for v in values[MAX_COLUMNS:]):
            _check_width(tuple(values), filename, number)
        cells = tuple(_cell(value, filename, number, i + 1) for i, value in enumerate(values))
        if header is None:
            if any(cell not in (None, "") for cell in cells):
                header = _header(cells, filename)
            elif number > MAX_ROWS:
                break
            continue
        while cells and cells[-1] in (None, ""):
            cells = cells[:-1]
        if cells:
            rows.append((number, cells))
            _check_rows(len(rows), filename, number)
    if header is None:
        _refuse("empty-file", text(N_("the file is empty; expected a header row")), filename)
    epoch = getattr(workbook, "epoch", None)
    return Table(
        filename=filename,
        header=header,
        rows=tuple(rows),
        epoch=epoch.date() if isinstance(epoch, datetime) else None,
    )


def _cell(value: object, filename: str, row: int, column: int) -> Cell:
    if value is None or isinstance(value, bool | int | float | datetime | date | time):
        return value
    if isinstance(value, str):
        if value.strip() == "":
            return None
        return _bounded_text(value, filename, row, column)
    # anything else openpyxl hands back (an error value, a rich text) is its text
    return _bounded_text(str(value), filename, row, column)
