"""Export of a filtered customer list as CSV or XLSX: the list's columns and the form data, with
sensitive values masked unless the viewer holds `view_sensitive` in the customer's department.

Bounded: at most EXPORT_LIMIT rows; a longer list ends with a row saying it was cut. A text a
spreadsheet would run as a formula stays text: prefixed with an apostrophe in CSV, typed as a
string cell in XLSX.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlmodel import Session

import forms
from engine import crypto, specs
from engine.customer_list import customer_rows
from engine.customer_query import CustomerQuery
from engine.customers import Viewer, reveals_sensitive
from engine.errors import N_, InvalidRequestError, NotConfiguredError
from engine.models import Customer
from engine.scoping import Scope

EXPORT_LIMIT: Final = 10_000
FORMATS: Final[Mapping[str, str]] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# the list's own columns, before the form's fields
COLUMNS: Final = (
    "ref",
    "name",
    "department",
    "owner",
    "tier",
    "score",
    "credit_limit",
    "currency",
    "order_hold",
    "updated_at",
)
# what a spreadsheet reads as the start of a formula (OWASP, "CSV injection")
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_NUMBER: Final = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True, slots=True)
class CustomerExport:
    """An export's file: its bytes, media type and file name; `rows` exported; `is_capped` when
    the list held more than EXPORT_LIMIT."""

    content: bytes
    media_type: str
    filename: str
    rows: int
    is_capped: bool


def export_customers(
    session: Session,
    query: CustomerQuery,
    *,
    file_format: str,
    viewer: Viewer | None,
    scope: Scope,
    limit: int = EXPORT_LIMIT,
    say: Callable[[forms.Text], str] = str,
) -> CustomerExport:
    """The customers within `scope` that `query` filters, in its order, as a `file_format`
    ("csv" or "xlsx") file, at most `limit` of them; `say` words the row that says the list was
    cut (in the caller's language).

    Raises InvalidRequestError for another format.
    """
    if file_format not in FORMATS:
        raise InvalidRequestError(
            N_("unknown export format '%(format)s'; expected one of %(known)s"),
            format=file_format,
            known=", ".join(FORMATS),
        )
    try:
        form: forms.Form | None = specs.customer_form(session).value
    except NotConfiguredError:
        form = None
    field_ids = tuple(f.id for f in form.fields) if form is not None else ()
    customers = customer_rows(session, query, scope=scope, limit=limit + 1)
    is_capped = len(customers) > limit
    table = [[*COLUMNS, *field_ids]]
    table.extend(
        _row(session, c, form=form, field_ids=field_ids, viewer=viewer) for c in customers[:limit]
    )
    if is_capped:
        cut = forms.text(N_("cut at %(limit)s rows: narrow the filters"), limit=limit)
        table.append([say(cut)])
    write = _csv if file_format == "csv" else _xlsx
    return CustomerExport(
        content=write(table),
        media_type=FORMATS[file_format],
        filename=f"customers.{file_format}",
        rows=min(len(customers), limit),
        is_capped=is_capped,
    )


def _row(
    session: Session,
    customer: Customer,
    *,
    form: forms.Form | None,
    field_ids: Sequence[str],
    viewer: Viewer | None,
) -> list[Any]:
    data = crypto.customer_data(session, customer)
    if not reveals_sensitive(viewer, customer.department):
        data = forms.mask_data(form, data, also=crypto.sealed_fields(customer.data))
    own = (
        customer.external_ref,
        customer.name,
        customer.department,
        customer.owner,
        customer.tier,
        customer.score,
        customer.credit_limit,
        customer.currency,
        customer.order_hold,
        customer.updated_at,
    )
    return [_cell(v) for v in (*own, *(data.get(f) for f in field_ids))]


def _cell(value: Any) -> Any:
    """A value as a cell holds it: numbers and booleans as such, times as ISO text, lists and
    mappings (a group, money) as JSON text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return str(value)


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could run `text` as a formula (a signed number, such as a phone
    number in E.164, it reads as a number: left as it is)."""
    return text.startswith(_FORMULA_STARTS) and _NUMBER.fullmatch(text) is None


def _csv(table: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in table:
        writer.writerow([f"'{v}" if isinstance(v, str) and is_formula_like(v) else v for v in row])
    # a BOM, so that a spreadsheet opens the UTF-8 (Chinese names) as such
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(table: Sequence[Sequence[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("customers")
    for row in table:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever it starts with
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
