"""Bulk import: the rows of a CSV or XLSX file into customers or events, ending as single writes
end, with a report that accounts for every row (docs/import.md).

Each data row ends `created`, `updated`, `unchanged` or `rejected`; the four add up to the file's
data rows. Cells are read by forms.import_coercion (pure); then the kind's importer writes the
rows (engine.import_kinds): customers through the bulk write path (engine.customer_import, each
row validated once against the record it stores), events one by one through `engine.events.
record_event`, so an imported customer is scored, audited and starts its workflows exactly as one
pushed over the API. A customer row whose values equal the stored ones is `unchanged` and not
written nor scored again, so importing the same file twice changes nothing the second time; an
event row repeats its idempotency key (its own column, else one derived from the row).

Modes: `all-or-nothing` (one rejected row: nothing is stored, every row is reported rejected)
and `valid-rows` (a rejected row stores nothing of itself; the others are stored).
One audit row per import, in the caller's transaction. Import jobs as rows and the REST endpoint
are a later round (docs/import.md, "Coming").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from types import MappingProxyType
from typing import Any, Final

from sqlmodel import Session

import forms
from engine import audit
from engine.errors import (
    N_,
    ConflictError,
    DataValidationError,
    EngineError,
    InvalidRequestError,
    NotFoundError,
)
from engine.import_kinds import (
    Importer,
    ImportKind,
    ImportMode,
    ImportRow,
    RowError,
    importer_for,
    ref_target,
    row_error,
)
from engine.scoping import Scope
from forms import Cell, ColumnMap, MappingFile, Table, load_mapping, map_columns

Progress = Callable[[int], None]  # told the number of rows done

# The column a rejected-rows file adds: ignored when the file is imported again.
REASON_COLUMN: Final = "reason"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: `rows` data rows, each counted once in created, updated, unchanged or
    rejected; `errors` in row order; `rejected_rows` the row numbers rejected; `rolled_back`
    when all-or-nothing stored nothing."""

    kind: str
    mode: str
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: tuple[RowError, ...]
    rejected_rows: tuple[int, ...]
    rolled_back: bool
    cases_opened: int = 0
    encoding: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [e.to_dict() for e in self.errors],
        }


def import_rows(
    session: Session,
    kind: ImportKind | str,
    table: Table,
    *,
    mode: ImportMode | str = ImportMode.ALL_OR_NOTHING,
    mapping: tuple[str, str] | None = None,
    actor: str | None,
    now: datetime,
    tz: tzinfo,
    source: str = "import",
    progress: Progress | None = None,
    scope: Scope = None,
    rows_range: tuple[int, int] | None = None,
) -> ImportReport:
    """Import the rows of `table` as `kind` in `mode`, in the caller's transaction.

    `mapping` is a mapping file's (text, file name); `scope` the departments the caller may
    write (a row for a customer outside it is rejected). With `rows_range` (first, last row
    numbers), only those rows are written and reported, the others read for what they say of
    these (a reference two rows give). Returns the report. Raises
    ImportMappingError (a mapping file or a header that cannot be mapped: nothing read),
    NotConfiguredError (no template imported), InvalidRequestError (unknown kind or mode).
    """
    try:
        kind = ImportKind(kind)
        mode = ImportMode(mode)
    except ValueError as exc:
        raise InvalidRequestError(
            N_("an import is of customers or events, in mode all-or-nothing or valid-rows")
        ) from exc
    importer = importer_for(kind, session, actor=actor, now=now, tz=tz, source=source, scope=scope)
    columns = _columns(importer, table, mapping)
    rows = [importer.read(number, cells, columns, table) for number, cells in table.rows]
    _mark_duplicates(rows, columns)
    form = getattr(importer, "form", None)
    if kind is ImportKind.CUSTOMERS and isinstance(form, forms.Form):
        _mark_unique_duplicates(rows, columns, form)
    if rows_range is not None:
        rows = [row for row in rows if rows_range[0] <= row.number <= rows_range[1]]
    counts = dict.fromkeys(("created", "updated", "unchanged"), 0)
    errors: list[RowError] = [e for row in rows for e in row.errors]
    rejected = {row.number for row in rows if row.errors}
    rolled_back = mode is ImportMode.ALL_OR_NOTHING and bool(rejected)
    if rolled_back:
        # nothing is stored: what the other rows would meet is still reported
        checked = importer.check_all([row for row in rows if row.number not in rejected], columns)
        for number, refusal in checked.items():
            errors.extend(_engine_errors(number, refusal, columns, importer))
    cases = 0
    if not rolled_back:
        outer = session.begin_nested() if mode is ImportMode.ALL_OR_NOTHING else None
        written = importer.write_all(
            [row for row in rows if row.number not in rejected],
            columns,
            stop_on_rejection=outer is not None,
            progress=progress,
        )
        for number, outcome in sorted(written.items()):
            if isinstance(outcome, EngineError):
                errors.extend(_engine_errors(number, outcome, columns, importer))
                rejected.add(number)
            else:
                counts[outcome[0]] += 1
                cases += outcome[1]
        if outer is not None:
            rolled_back = len(rejected) > 0
            if rolled_back:
                outer.rollback()
            else:
                outer.commit()
    if rolled_back:
        counts = dict.fromkeys(counts, 0)
        rejected = {row.number for row in rows}
        cases = 0
    if progress is not None:
        progress(len(rows))
    report = ImportReport(
        kind=str(kind),
        mode=str(mode),
        rows=len(rows),
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        rejected=len(rejected),
        errors=tuple(sorted(errors, key=lambda e: e.row)),
        rejected_rows=tuple(sorted(rejected)),
        rolled_back=rolled_back,
        cases_opened=cases,
        encoding=table.encoding,
    )
    assert report.created + report.updated + report.unchanged + report.rejected == report.rows
    audit.record(
        session,
        actor=actor,
        action=f"{kind}.imported",
        entity_kind="import",
        entity_id=table.filename,
        detail={
            "file": table.filename,
            "mode": str(mode),
            **({"rows_range": list(rows_range)} if rows_range is not None else {}),
            **report.to_dict(),
            "errors": len(report.errors),
            "rolled_back": rolled_back,
        },
        now=now,
    )
    return report


def _columns(importer: Importer, table: Table, mapping: tuple[str, str] | None) -> ColumnMap:
    """How `table`'s columns map to the importer's targets. Raises ImportMappingError."""
    mapping_file = (
        load_mapping(mapping[0], filename=mapping[1], targets=importer.targets)
        if mapping is not None
        else None
    )
    return map_columns(
        table.header,
        importer.targets,
        filename=table.filename,
        mapping=_with_reason(mapping_file, table),
        positions=[table.header_column(i) for i in range(len(table.header))],
    )


def check_columns(
    session: Session,
    kind: ImportKind,
    table: Table,
    *,
    mapping: tuple[str, str] | None,
    now: datetime,
    tz: tzinfo,
) -> None:
    """Check, writing nothing, that `table`'s header and `mapping` map to `kind`'s targets, as
    `import_rows` first does. Raises ImportMappingError, NotConfiguredError."""
    _columns(
        importer_for(kind, session, actor=None, now=now, tz=tz, source="import"), table, mapping
    )


def _with_reason(mapping: MappingFile | None, table: Table) -> MappingFile | None:
    """The mapping, ignoring the `reason` column a rejected-rows file carries."""
    if REASON_COLUMN not in table.header:
        return mapping
    if mapping is None:
        return MappingFile({}, frozenset({REASON_COLUMN}), "", {})
    if REASON_COLUMN in mapping.columns:
        return mapping
    return MappingFile(
        mapping.columns, mapping.ignore | {REASON_COLUMN}, mapping.filename, mapping.spans
    )


def _mark_duplicates(rows: Sequence[ImportRow], columns: ColumnMap) -> None:
    """A reference given by two rows: the later rows are rejected (which row would win?)."""
    first: dict[str, int] = {}
    for row in rows:
        if row.ref is None or row.errors:
            continue
        if row.ref in first:
            wording = forms.text(
                N_("row %(first)d has the same reference '%(ref)s'"),
                first=first[row.ref],
                ref=row.ref,
            )
            row.errors.append(
                row_error(
                    row.number, columns.column_of(ref_target(columns)), "duplicate-ref", wording
                )
            )
        else:
            first[row.ref] = row.number


def _mark_unique_duplicates(
    rows: Sequence[ImportRow], columns: ColumnMap, form: forms.Form
) -> None:
    """A value of a unique field given by two rows of the file: the later rows are rejected at
    the cell (a value stored already is refused when the row is written)."""
    first: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.errors:
            continue
        for field in forms.unique_fields(form):
            key = forms.comparison_key(field, row.values.get(field.id))
            if key is None:
                continue
            if (field.id, key) in first:
                wording = forms.text(
                    N_("row %(first)d has the same %(label)s; it must be unique"),
                    first=first[(field.id, key)],
                    label={language: field.title(language) for language in forms.LANGUAGES},
                )
                row.errors.append(
                    row_error(row.number, columns.column_of(field.id), "not-unique", wording)
                )
            else:
                first[(field.id, key)] = row.number


def _engine_errors(
    number: int, exc: EngineError, columns: ColumnMap, importer: Importer
) -> list[RowError]:
    """An engine refusal as row errors: a data error per field (its column), else one."""
    if isinstance(exc, DataValidationError) and exc.errors:
        found = []
        for item in exc.errors:
            path = tuple(getattr(item, "path", ()))
            target = importer.target_of(path)
            wording = getattr(item, "wording", None)
            message = getattr(item, "message", str(item))
            found.append(
                RowError(
                    number,
                    columns.column_of(target) if target else None,
                    str(getattr(item, "code", "invalid")),
                    message,
                    wording,
                )
            )
        return found
    # the refusal's message id and params: said in a reader's language
    wording = forms.Text(exc.message, MappingProxyType(dict(exc.params)))
    if isinstance(exc, NotFoundError):  # the customer an event names
        column = columns.column_of(ref_target(columns))
        return [RowError(number, column, "not-found", exc.detail, wording)]
    code = "conflict" if isinstance(exc, ConflictError) else "refused"
    return [RowError(number, None, code, exc.detail, wording)]


# --- the rejected rows ---------------------------------------------------------------------------


def _cell_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime) and cell.time() == time(0):
        return cell.date().isoformat()
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    return str(cell)


def rejected_csv(table: Table, report: ImportReport) -> str:
    """The rejected rows of `table` as they were, plus a `reason` column (replacing the one a
    rejected-rows file already has): a CSV (UTF-8 with BOM, for Excel) to fix and import again."""
    reasons: dict[int, list[str]] = {}
    for item in report.errors:
        where = f"{item.column}: " if item.column else ""
        reasons.setdefault(item.row, []).append(f"{where}{item.message} [{item.code}]")
    first_error = report.errors[0].row if report.errors else None
    header = list(table.header)
    at = header.index(REASON_COLUMN) if REASON_COLUMN in header else None
    if at is None:
        header.append(REASON_COLUMN)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    wanted = set(report.rejected_rows)
    for number, cells in table.rows:
        if number not in wanted:
            continue
        texts = [_cell_text(c) for c in cells] + [""] * max(len(table.header) - len(cells), 0)
        reason = "; ".join(reasons.get(number, ())) or (
            f"not imported: row {first_error} was rejected (all-or-nothing)"
            if first_error is not None
            else "not imported (all-or-nothing)"
        )
        if at is None:
            texts.append(reason)
        else:
            texts[at] = reason
        writer.writerow(texts)
    return "\ufeff" + out.getvalue()


__all__ = [
    "ImportKind",
    "ImportMode",
    "ImportReport",
    "RowError",
    "check_columns",
    "import_rows",
    "rejected_csv",
]
