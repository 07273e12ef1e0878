"""A cell of an import file → the JSON value of its field, as a finance team writes it, never a
silent guess. Pure (docs/import.md, "How cells are read").

One table, `COERCIONS`, keyed by `FieldType`: each field type names the function that reads its
cells (tests/forms/test_import_coercion.py holds it complete). Read:

- whitespace around a value (also the ideographic space) is trimmed; an empty cell is no value;
- numbers: full-width digits and signs (`１２３`, `，`, `％`), thousand separators in groups of
  three (`1,234,567.89`); `1.234,56`, `1,23`, `1.234.567` and `1 234` are ambiguous (a row error,
  `ambiguous-number`); exponents are refused;
- `30%` is 0.3 only where the field is a fraction: a decimal field whose declared range lies within
  0 to 1 (the terms' `prepayment_pct`); elsewhere a `%` is an error (`percent-sign`): `-40%` in a
  field that counts percentage points (`order_volume_change_pct`: -40.0) would silently be -0.4;
- booleans: `true/false`, `yes/no`, `Y/N`, `1/0`, `是/否`, `真/假` (any case), and XLSX booleans;
- dates: `2026-03-04`, `2026/3/4`, `2026.3.4`, `2026年3月4日` (year first), an XLSX date cell, and
  an Excel serial day number only when the cell is a number (XLSX) in a date column; `03/04/2026`
  (day or month first?) is `ambiguous-date`; a time other than midnight is `date-with-time`;
- date-times: as written, with their offset (`2026-03-04T09:00:00+08:00`); an XLSX date-time cell
  has no offset, so it is `datetime-without-offset` rather than a guess at the zone;
- a percent field: `30%` or the fraction `0.3`;
- money: a number (the base currency), or with its currency code before or after it (`USD
  1,200.50`, `1,200.50 usd`); a currency sign (`$`, `¥`) names no single currency (`currency-sign`);
- multi_choice: options separated by `,` `，` `;` `；` or `、`;
- country, currency and uscc codes upper-cased (`cn` is `CN`); e-mail, phone and url as written
  (trimmed; the form's validation checks them and stores phones as E.164).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from dsl.texts import N_, Text, text
from forms import money
from forms.field_types import FieldType
from forms.fields import Field, Scalar
from forms.import_files import Cell

# The Excel 1900 date system's day 0, as Excel counts after its fictitious 1900-02-29 (day 60).
EXCEL_1900_EPOCH: Final = date(1899, 12, 30)
EXCEL_1904_EPOCH: Final = date(1904, 1, 1)
_EXCEL_MAX_SERIAL: Final = 2_958_465  # 9999-12-31

_BLANKS = " \t\r\n\u3000\u00a0"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)\Z")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\Z")
_LOOKS_NUMERIC = re.compile(r"[+-]?[\d.,\s]*\d[\d.,\s]*\Z")
_YEAR_FIRST = re.compile(r"(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|年(\d{1,2})月(\d{1,2})日?)\Z")
_DAY_OR_MONTH_FIRST = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\Z")
_MIDNIGHT = re.compile(r"(.*?)[ T]0{1,2}:00(?::00(?:\.0+)?)?\Z")

_TRUE = frozenset({"true", "yes", "y", "1", "是", "真", "t"})
_FALSE = frozenset({"false", "no", "n", "0", "否", "假", "f"})


class CellError(Exception):
    """A cell that does not read as its field's value: a stable `code` and the sentence."""

    def __init__(self, code: str, wording: Text) -> None:
        self.code = code
        self.wording = wording
        super().__init__(wording.english())


# a multi_choice's options as a JSON list, money in a currency as {amount, currency}
Value = Scalar | list[str] | dict[str, Scalar]
Coercion = Callable[[Field, Cell, date | None], Value]


def coerce_cell(field: Field, cell: Cell, *, epoch: date | None = None) -> Value | None:
    """The value of `cell` for `field` (None: the cell is empty). `epoch` is the workbook's day 0
    for Excel serial numbers (None for a CSV: a number there is text). Raises CellError."""
    if cell is None or (isinstance(cell, str) and not cell.strip(_BLANKS)):
        return None
    coercion = COERCIONS.get(field.type)
    if coercion is None:
        raise CellError(
            "unsupported-type",
            text(N_("fields of type %(type)s cannot be imported yet"), type=str(field.type)),
        )
    return coercion(field, cell, epoch)


def _folded(value: str) -> str:
    """Full-width digits, signs and letters as ASCII (NFKC), trimmed; U+2212 as a minus."""
    return unicodedata.normalize("NFKC", value).strip(_BLANKS).replace("\u2212", "-")


def _text(field: Field, cell: Cell, epoch: date | None) -> Scalar:
    if isinstance(cell, str):
        return cell.strip(_BLANKS)
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    return str(cell)


def _number_text(value: str) -> tuple[Decimal, bool]:
    """The number written in `value` and whether it had a `%`. Raises CellError."""
    folded = _folded(value)
    percent = folded.endswith("%")
    if percent:
        folded = folded[:-1].rstrip()
    if _PLAIN_NUMBER.match(folded) or _GROUPED_NUMBER.match(folded):
        return Decimal(folded.replace(",", "")), percent
    if _LOOKS_NUMERIC.match(folded):
        raise CellError(
            "ambiguous-number",
            text(
                N_(
                    "'%(value)s' is ambiguous: write numbers with '.' before the decimals and "
                    "',' only between groups of three digits, such as 1,234,567.89"
                ),
                value=value.strip(_BLANKS),
            ),
        )
    raise CellError("not-a-number", text(N_("'%(value)s' is not a number"), value=value.strip()))


def _is_fraction(field: Field) -> bool:
    """A decimal field whose declared range lies within 0 to 1 holds fractions (0.3 = 30%)."""
    return (
        field.minimum is not None
        and field.maximum is not None
        and field.minimum >= 0
        and field.maximum <= 1
    )


def _decimal_of(field: Field, cell: Cell, *, allows_percent: bool) -> Decimal | float:
    if isinstance(cell, bool | datetime | date | time):
        raise CellError(
            "not-a-number", text(N_("'%(value)s' is not a number"), value=_text(field, cell, None))
        )
    if isinstance(cell, int | float):
        return cell
    assert isinstance(cell, str)
    number, percent = _number_text(cell)
    if percent and not allows_percent:
        raise CellError(
            "percent-sign",
            text(
                N_(
                    "'%(value)s' has a '%%' but %(field)s is not a fraction; write the number "
                    "the field holds"
                ),
                value=cell.strip(_BLANKS),
                field=field.id,
            ),
        )
    return number / 100 if percent else number


def _json_number(value: Decimal | float) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _integer(field: Field, cell: Cell, epoch: date | None) -> Scalar:
    value = _decimal_of(field, cell, allows_percent=False)
    if isinstance(value, float) and not value.is_integer():
        raise CellError(
            "not-whole", text(N_("'%(value)s' is not a whole number"), value=str(value))
        )
    if isinstance(value, Decimal) and value != value.to_integral_value():
        raise CellError(
            "not-whole", text(N_("'%(value)s' is not a whole number"), value=str(cell).strip())
        )
    return int(value)


def _decimal(field: Field, cell: Cell, epoch: date | None) -> Scalar:
    return _json_number(_decimal_of(field, cell, allows_percent=_is_fraction(field)))


def percent(field: Field, cell: Cell, epoch: date | None) -> Scalar:
    """A percent field's value, a fraction: `30%` is 0.3 and so is `0.3` (a bare number is the
    fraction itself, as the rules language reads it). For the percent field type."""
    return _json_number(_decimal_of(field, cell, allows_percent=True))


def _money(field: Field, cell: Cell, epoch: date | None) -> Value:
    """An amount: a number in the base currency, or with its currency code before or after it
    (`USD 1,200.50`, `1,200.50 usd`) an amount in that currency (forms.money)."""
    if not isinstance(cell, str):
        return _json_number(_decimal_of(field, cell, allows_percent=False))
    typed = _folded(cell)
    if money.has_sign(typed):
        raise CellError(
            "currency-sign",
            text(
                N_(
                    "'%(value)s' has a currency sign; write the currency's code instead, "
                    "such as 1,200.50 USD (no code: the base currency)"
                ),
                value=cell.strip(_BLANKS),
            ),
        )
    number, currency = money.split_text(typed)
    amount = _json_number(_decimal_of(field, number, allows_percent=False))
    if currency is None:
        return amount
    return {money.AMOUNT: amount, money.CURRENCY: currency}


def _boolean(field: Field, cell: Cell, epoch: date | None) -> Scalar:
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float) and cell in (0, 1):
        return bool(cell)
    word = _folded(str(cell)).casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CellError(
        "not-a-boolean",
        text(
            N_("'%(value)s' is not yes or no; write true/false, yes/no, Y/N, 1/0 or 是/否"),
            value=str(cell).strip(_BLANKS),
        ),
    )


def _serial_date(serial: float, epoch: date) -> date:
    """An Excel serial day number as a date in the workbook's date system."""
    if not float(serial).is_integer():
        raise CellError(
            "date-with-time",
            text(N_("the serial date %(value)s has a time of day; expected a date"), value=serial),
        )
    days = int(serial)
    if not 1 <= days <= _EXCEL_MAX_SERIAL:
        raise CellError(
            "bad-date", text(N_("%(value)s is not an Excel date serial number"), value=serial)
        )
    if epoch == EXCEL_1900_EPOCH and days < 61:
        if days == 60:  # Excel's 1900-02-29, a day that never was
            raise CellError(
                "bad-date", text(N_("%(value)s is not an Excel date serial number"), value=serial)
            )
        return date(1899, 12, 31) + timedelta(days=days)
    return epoch + timedelta(days=days)


def _date(field: Field, cell: Cell, epoch: date | None) -> Scalar:
    if isinstance(cell, datetime):
        if cell.time() != time(0):
            raise CellError(
                "date-with-time",
                text(N_("'%(value)s' has a time of day; expected a date"), value=cell.isoformat()),
            )
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, bool | time):
        raise CellError("bad-date", text(N_("'%(value)s' is not a date"), value=str(cell)))
    if isinstance(cell, int | float):
        # only a number cell of a workbook is a serial day number (CSV cells are text)
        return _serial_date(cell, epoch or EXCEL_1900_EPOCH).isoformat()
    written = _folded(str(cell))
    midnight = _MIDNIGHT.match(written)
    if midnight:
        written = midnight.group(1)
    found = _YEAR_FIRST.match(written)
    if found:
        year, month, day = (int(g) for g in found.groups() if g is not None)
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            pass
        raise CellError("bad-date", text(N_("'%(value)s' is not a date"), value=written))
    if _DAY_OR_MONTH_FIRST.match(written):
        raise CellError(
            "ambiguous-date",
            text(
                N_("'%(value)s' is ambiguous (day or month first?); write dates as YYYY-MM-DD"),
                value=written,
            ),
        )
    if re.fullmatch(r"\d+(\.\d+)?", written):
        raise CellError(
            "bad-date",
            text(
                N_(
                    "'%(value)s' is a number written as text, not a date; write dates as "
                    "YYYY-MM-DD (serial numbers are read only from number cells of an XLSX)"
                ),
                value=written,
            ),
        )
    if re.search(r"\d{1,2}:\d{2}", written):
        raise CellError(
            "date-with-time",
            text(N_("'%(value)s' has a time of day; expected a date"), value=written),
        )
    raise CellError("bad-date", text(N_("'%(value)s' is not a date"), value=written))


def _choice(field: Field, cell: Cell, epoch: date | None) -> Scalar:
    # the option as written (trimmed); the form's validation says when it is not one
    return _text(field, cell, epoch)


_OPTION_SEPARATORS = re.compile(r"[,，;；、]")


def _options(field: Field, cell: Cell, epoch: date | None) -> Value:
    written = str(_text(field, cell, epoch))
    return [
        part.strip(_BLANKS) for part in _OPTION_SEPARATORS.split(written) if part.strip(_BLANKS)
    ]


def _code(field: Field, cell: Cell, epoch: date | None) -> Scalar:
    # ISO codes and the uscc are written in capitals; the form's validation checks them
    return str(_text(field, cell, epoch)).upper()


def _datetime(field: Field, cell: Cell, epoch: date | None) -> Scalar:
    if isinstance(cell, datetime | date | time | int | float):
        raise CellError(
            "datetime-without-offset",
            text(
                N_(
                    "a spreadsheet date-time has no time zone; write it as text with its "
                    "offset, such as 2026-03-04T09:00:00+08:00"
                )
            ),
        )
    return _text(field, cell, epoch)


def _group(field: Field, cell: Cell, epoch: date | None) -> Scalar:
    """A group is a nested object: no cell holds one (forms.import_mapping refuses its column)."""
    raise CellError(
        "unsupported-type",
        text(N_("fields of type %(type)s cannot be imported yet"), type=str(field.type)),
    )


COERCIONS: Mapping[FieldType, Coercion] = MappingProxyType(
    {
        FieldType.TEXT: _text,
        FieldType.LONG_TEXT: _text,
        FieldType.INTEGER: _integer,
        FieldType.DECIMAL: _decimal,
        FieldType.PERCENT: percent,
        FieldType.MONEY: _money,
        FieldType.BOOLEAN: _boolean,
        FieldType.DATE: _date,
        FieldType.DATETIME: _datetime,
        FieldType.CHOICE: _choice,
        FieldType.MULTI_CHOICE: _options,
        FieldType.EMAIL: _text,
        FieldType.PHONE: _text,
        FieldType.URL: _text,
        FieldType.COUNTRY: _code,
        FieldType.CURRENCY: _code,
        FieldType.USCC: _code,
        FieldType.REFERENCE: _text,
        FieldType.GROUP: _group,
    }
)
