"""Bulk import: the rows of a CSV or XLSX file into customers or events, through the same engine
paths as single writes, with a report that accounts for every row (docs/import.md).

Each data row ends `created`, `updated`, `unchanged` or `rejected`; the four add up to the file's
data rows. Cells are read by forms.import_coercion (pure) and checked against the published form
first; then each row goes through `engine.customers.upsert_customer` or `engine.events.
record_event`, so an imported customer is scored, audited and starts its workflows exactly as one
pushed over the API. A customer row whose values equal the stored ones is `unchanged` and not
written nor scored again, so importing the same file twice changes nothing the second time; an
event row repeats its idempotency key (its own column, else one derived from the row).

Modes: `all-or-nothing` (one rejected row: nothing is stored, every row is reported rejected)
and `valid-rows` (each row in a savepoint; the rejected ones are reported, the others stored).
One audit row per import, in the caller's transaction. Import jobs as rows and the REST endpoint
are a later round (docs/import.md, "Coming").
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

import forms
from engine import audit, crypto, specs
from engine.clock import parse_time
from engine.customers import CustomerInput, upsert_customer
from engine.errors import (
    N_,
    ConflictError,
    DataValidationError,
    EngineError,
    InvalidRequestError,
    NotFoundError,
)
from engine.events import EventInput, event_forms, record_event
from engine.models import Customer
from engine.terms import differing, validated_terms
from forms import (
    Cell,
    CellError,
    ColumnMap,
    MappingFile,
    Table,
    Target,
    coerce_cell,
    load_mapping,
    map_columns,
)

# The identity columns, beside the form's fields, and the names a header may give them.
REF_NAMES: Final = ("ref", "reference", "customer_ref", "客户编号", "客户代码")
DEPARTMENT_NAMES: Final = ("部门",)
CUSTOMER_REF: Final = "external_ref"
EVENT_REF: Final = "customer_ref"
EVENT_COLUMNS: Final = {
    "kind": ("事件类型", "type"),
    "occurred_at": ("发生时间", "date", "日期"),
    "idempotency_key": ("幂等键",),
}
# The column a rejected-rows file adds: ignored when the file is imported again.
REASON_COLUMN: Final = "reason"
USCC_FIELD: Final = "uscc"

# built once, as engine.customers builds its statements (a statement's cache key costs more Python
# than running it on SQLite)
_CUSTOMER_BY_REF = select(Customer).where(col(Customer.external_ref) == bindparam("ref"))
_CUSTOMER_BY_USCC = select(Customer).where(
    col(Customer.data)[USCC_FIELD].as_string() == bindparam("uscc")
)


class ImportKind(StrEnum):
    CUSTOMERS = "customers"
    EVENTS = "events"


class ImportMode(StrEnum):
    ALL_OR_NOTHING = "all-or-nothing"
    VALID_ROWS = "valid-rows"


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem of one row: the row as a spreadsheet numbers it (the header is 1), the
    column's header name (None: the row as a whole), a stable code and the English sentence."""

    row: int
    column: str | None
    code: str
    message: str
    wording: forms.Text | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


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


@dataclass(slots=True)
class _Row:
    """A data row once its cells are read: what goes to the engine."""

    number: int
    ref: str | None
    values: dict[str, Any]  # target id → value (None: the cell was empty)
    errors: list[RowError]


Progress = Callable[[int], None]


def _row_error(number: int, column: str | None, code: str, wording: forms.Text) -> RowError:
    return RowError(number, column, code, wording.english(), wording)


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
) -> ImportReport:
    """Import the rows of `table` as `kind` in `mode`, in the caller's transaction.

    `mapping` is a mapping file's (text, file name). Returns the report. Raises
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
    importer: _Importer = (
        _CustomerImporter(session, actor=actor, now=now, tz=tz, source=source)
        if kind is ImportKind.CUSTOMERS
        else _EventImporter(session, actor=actor, now=now, tz=tz, source=source)
    )
    mapping_file = (
        load_mapping(mapping[0], filename=mapping[1], targets=importer.targets)
        if mapping is not None
        else None
    )
    columns = map_columns(
        table.header,
        importer.targets,
        filename=table.filename,
        mapping=_with_reason(mapping_file, table),
        positions=[table.header_column(i) for i in range(len(table.header))],
    )
    rows = [importer.read(number, cells, columns, table) for number, cells in table.rows]
    _mark_duplicates(rows, columns)
    counts = dict.fromkeys(("created", "updated", "unchanged"), 0)
    errors: list[RowError] = [e for row in rows for e in row.errors]
    rejected = {row.number for row in rows if row.errors}
    rolled_back = mode is ImportMode.ALL_OR_NOTHING and bool(rejected)
    cases = 0
    if not rolled_back:
        outer = session.begin_nested() if mode is ImportMode.ALL_OR_NOTHING else None
        for done, row in enumerate(rows, start=1):
            if row.number not in rejected:
                try:
                    if outer is None:
                        with session.begin_nested():
                            outcome, opened = importer.write(row, columns)
                    else:
                        outcome, opened = importer.write(row, columns)
                except EngineError as exc:
                    errors.extend(_engine_errors(row.number, exc, columns, importer))
                    rejected.add(row.number)
                    if outer is not None:
                        rolled_back = True
                        break
                else:
                    counts[outcome] += 1
                    cases += opened
            if progress is not None:
                progress(done)
        if outer is not None:
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
            **report.to_dict(),
            "errors": len(report.errors),
            "rolled_back": rolled_back,
        },
        now=now,
    )
    return report


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


def _mark_duplicates(rows: Sequence[_Row], columns: ColumnMap) -> None:
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
                _row_error(
                    row.number, columns.column_of(_ref_target(columns)), "duplicate-ref", wording
                )
            )
        else:
            first[row.ref] = row.number


def _ref_target(columns: ColumnMap) -> str:
    return EVENT_REF if EVENT_REF in columns.filled() else CUSTOMER_REF


def _engine_errors(
    number: int, exc: EngineError, columns: ColumnMap, importer: _Importer
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
    if isinstance(exc, NotFoundError):  # the customer an event names
        column = columns.column_of(_ref_target(columns))
        return [RowError(number, column, "not-found", exc.detail)]
    code = "conflict" if isinstance(exc, ConflictError) else "refused"
    return [RowError(number, None, code, exc.detail)]


# --- the two kinds ------------------------------------------------------------------------------


class _Importer:
    """What a kind of import knows: its targets, how to read a row and how to write it."""

    targets: tuple[Target, ...]

    def __init__(
        self, session: Session, *, actor: str | None, now: datetime, tz: tzinfo, source: str
    ) -> None:
        self.session = session
        self.actor = actor
        self.now = now
        self.tz = tz
        self.source = source

    def read(self, number: int, cells: tuple[Cell, ...], columns: ColumnMap, table: Table) -> _Row:
        raise NotImplementedError

    def write(self, row: _Row, columns: ColumnMap) -> tuple[str, int]:
        """Store the row; returns its outcome (created, updated, unchanged) and cases opened."""
        raise NotImplementedError

    def target_of(self, path: tuple[Any, ...]) -> str | None:
        """The target an engine data error's path names."""
        if len(path) >= 2 and path[0] in ("data", "terms", "payload"):
            return str(path[1])
        if path and path[0] == "ref":
            return CUSTOMER_REF
        return str(path[0]) if path else None

    def cell_values(
        self,
        number: int,
        cells: tuple[Cell, ...],
        columns: ColumnMap,
        fields: Mapping[str, forms.Field],
        table: Table,
    ) -> tuple[dict[str, Any], list[RowError]]:
        """The value of each mapped cell (identity columns as trimmed text), and the errors."""
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        if len(cells) > len(columns.header):
            extra = [c for c in cells[len(columns.header) :] if c not in (None, "")]
            if extra:
                errors.append(
                    _row_error(
                        number,
                        None,
                        "extra-cells",
                        forms.text(
                            N_("the row has %(count)d cells; the header names %(columns)d"),
                            count=len(cells),
                            columns=len(columns.header),
                        ),
                    )
                )
        for index, target in enumerate(columns.targets):
            if target is None:
                continue
            cell = cells[index] if index < len(cells) else None
            column = columns.header[index]
            spec = fields.get(target)
            try:
                if spec is None:
                    values[target] = _identity_text(cell)
                else:
                    values[target] = coerce_cell(spec, cell, epoch=table.epoch)
            except CellError as exc:
                errors.append(_row_error(number, column, exc.code, exc.wording))
                continue
            problem = (
                forms.text_problem_of(values[target]) if isinstance(values[target], str) else None
            )
            if problem is not None:
                errors.append(
                    _row_error(
                        number,
                        column,
                        "control-character",
                        forms.text(N_("%(path)s %(problem)s"), path=column, problem=problem),
                    )
                )
        return values, errors


def _identity_text(cell: Cell) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    value = str(cell).strip(" \t\r\n\u3000\u00a0")
    return value or None


class _CustomerImporter(_Importer):
    def __init__(
        self, session: Session, *, actor: str | None, now: datetime, tz: tzinfo, source: str
    ) -> None:
        super().__init__(session, actor=actor, now=now, tz=tz, source=source)
        loaded = specs.customer_form(session)
        self.form = loaded.value
        self.fields = {f.id: f for f in self.form.fields}
        self.terms = {f.id: f for f in forms.TERMS}
        self.targets = (
            Target(CUSTOMER_REF, REF_NAMES),
            Target("department", DEPARTMENT_NAMES),
            *(Target.of_field(f) for f in forms.TERMS),
            *(Target.of_field(f) for f in self.form.fields),
        )
        self.has_uscc = USCC_FIELD in self.fields

    def read(self, number: int, cells: tuple[Cell, ...], columns: ColumnMap, table: Table) -> _Row:
        values, errors = self.cell_values(
            number, cells, columns, {**self.fields, **self.terms}, table
        )
        ref = values.get(CUSTOMER_REF)
        if ref is None and not (self.has_uscc and values.get(USCC_FIELD)):
            errors.append(
                _row_error(
                    number,
                    columns.column_of(CUSTOMER_REF),
                    "missing-ref",
                    forms.text(N_("the row has no customer reference (external_ref)")),
                )
            )
        data = {k: v for k, v in values.items() if k in self.fields}
        for item in forms.validate(self.form, data):
            target = str(item.path[0]) if item.path else None
            if item.code == "required" and target not in columns.filled():
                continue  # a column the file lacks: the stored value stays (checked on write)
            errors.append(
                RowError(
                    number,
                    columns.column_of(target) if target else None,
                    item.code,
                    item.message,
                    item.wording,
                )
            )
        return _Row(number=number, ref=ref, values=values, errors=errors)

    def _existing(self, row: _Row) -> Customer | None:
        if row.ref is not None:
            found = self.session.exec(_CUSTOMER_BY_REF, params={"ref": row.ref}).first()
            if found is not None or not self.has_uscc:
                return found
        uscc = row.values.get(USCC_FIELD)
        if self.has_uscc and isinstance(uscc, str):
            return self.session.exec(_CUSTOMER_BY_USCC, params={"uscc": uscc}).first()
        return None

    def write(self, row: _Row, columns: ColumnMap) -> tuple[str, int]:
        filled = columns.filled()
        existing = self._existing(row)
        given = {k: v for k, v in row.values.items() if k in self.fields}
        terms = {k: v for k, v in row.values.items() if k in self.terms and v is not None}
        if existing is None:
            ref = row.ref or str(row.values[USCC_FIELD])
            data = given
            department = row.values.get("department")
        else:
            ref = existing.external_ref
            before = crypto.customer_data(self.session, existing)
            # a column the file lacks leaves its field as stored; an empty cell clears it
            data = {**before, **given}
            department = (
                row.values.get("department") if "department" in filled else existing.department
            )
            if self._is_unchanged(existing, before, data, department, terms):
                return "unchanged", 0
        upserted = upsert_customer(
            self.session,
            ref,
            CustomerInput(
                department=department,
                data={k: v for k, v in data.items() if v is not None},
                terms=terms or None,
            ),
            actor=self.actor,
            now=self.now,
            tz=self.tz,
        )
        return ("created" if upserted.created else "updated"), len(upserted.cases_opened)

    def _is_unchanged(
        self,
        customer: Customer,
        before: Mapping[str, Any],
        data: Mapping[str, Any],
        department: str | None,
        terms: Mapping[str, Any],
    ) -> bool:
        """Whether the upsert would change nothing: the same name, department, form version,
        terms and normalised data (upsert_customer then writes nothing, but scores again)."""
        form = specs.customer_form(self.session)
        if (customer.form_key, customer.form_version) != (form.key, form.version):
            return False
        plain = {k: v for k, v in data.items() if v is not None}
        if forms.validate(form.value, plain):
            return False  # the upsert reports the errors
        normalised = forms.normalise(form.value, plain)
        name = str(normalised.get("name") or customer.external_ref)
        if customer.name != name or customer.department != department:
            return False
        if terms and differing(customer, validated_terms(terms, currency=customer.currency)):
            return False
        return normalised == dict(before)


class _EventImporter(_Importer):
    def __init__(
        self, session: Session, *, actor: str | None, now: datetime, tz: tzinfo, source: str
    ) -> None:
        super().__init__(session, actor=actor, now=now, tz=tz, source=source)
        self.kinds = event_forms(session)
        fields: dict[str, forms.Field] = {}
        for form in self.kinds.values():
            for f in form.fields:
                fields.setdefault(f.id, f)
        self.payload_ids = set(fields)
        self.targets = (
            Target(EVENT_REF, tuple(n for n in (*REF_NAMES, CUSTOMER_REF) if n != EVENT_REF)),
            *(Target(name, aliases) for name, aliases in EVENT_COLUMNS.items()),
            *(Target.of_field(f) for f in fields.values()),
        )

    def read(self, number: int, cells: tuple[Cell, ...], columns: ColumnMap, table: Table) -> _Row:
        raw, errors = self.cell_values(number, cells, columns, {}, table)
        values: dict[str, Any] = {k: v for k, v in raw.items() if k not in self.payload_ids}
        kind = values.get("kind")
        for target, code, wording in (
            (EVENT_REF, "missing-ref", N_("the row has no customer reference (customer_ref)")),
            ("kind", "missing-kind", N_("the row has no event kind")),
            ("occurred_at", "missing-time", N_("the row has no time (occurred_at)")),
        ):
            if values.get(target) is None:
                errors.append(
                    _row_error(number, columns.column_of(target), code, forms.text(wording))
                )
        form = self.kinds.get(kind) if isinstance(kind, str) else None
        if isinstance(kind, str) and form is None and self.kinds:
            errors.append(
                _row_error(
                    number,
                    columns.column_of("kind"),
                    "unknown-kind",
                    forms.text(
                        N_("unknown event kind '%(kind)s'%(hint)s; the event kinds are %(kinds)s"),
                        kind=kind,
                        hint=forms.did_you_mean(kind, sorted(self.kinds)),
                        kinds=", ".join(sorted(self.kinds)),
                    ),
                )
            )
        payload: dict[str, Any] = {}
        occurred = self._occurred_at(number, cells, columns, table, errors)
        if form is not None:
            own = {f.id: f for f in form.fields}
            for index, payload_field in enumerate(columns.targets):
                if payload_field is None or payload_field not in self.payload_ids:
                    continue
                cell = cells[index] if index < len(cells) else None
                column = columns.header[index]
                spec = own.get(payload_field)
                if spec is None:
                    if cell not in (None, ""):
                        errors.append(
                            _row_error(
                                number,
                                column,
                                "not-a-field-of-kind",
                                forms.text(
                                    N_("events of kind '%(kind)s' have no field '%(field)s'"),
                                    kind=kind,
                                    field=payload_field,
                                ),
                            )
                        )
                    continue
                try:
                    value = coerce_cell(spec, cell, epoch=table.epoch)
                except CellError as exc:
                    errors.append(_row_error(number, column, exc.code, exc.wording))
                    continue
                if value is not None:
                    payload[payload_field] = value
            for item in forms.validate(form, payload):
                named = str(item.path[0]) if item.path else None
                errors.append(
                    RowError(
                        number,
                        columns.column_of(named) if named else None,
                        item.code,
                        item.message,
                        item.wording,
                    )
                )
        values["payload"] = payload
        values["occurred_at"] = occurred
        return _Row(number=number, ref=None, values=values, errors=errors)

    def _occurred_at(
        self,
        number: int,
        cells: tuple[Cell, ...],
        columns: ColumnMap,
        table: Table,
        errors: list[RowError],
    ) -> datetime | date | str | None:
        """The time cell as the engine takes it: text as written, an XLSX date or time as is, an
        XLSX number as a serial date."""
        try:
            index = columns.targets.index("occurred_at")
        except ValueError:
            return None
        cell = cells[index] if index < len(cells) else None
        if isinstance(cell, datetime | date):
            return cell
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            day = forms.Field("occurred_at", forms.FieldType.DATE, {})
            try:
                return str(coerce_cell(day, cell, epoch=table.epoch))
            except CellError as exc:
                errors.append(_row_error(number, columns.header[index], exc.code, exc.wording))
                return None
        written = _identity_text(cell)
        if written is None:
            return None
        day = forms.Field("occurred_at", forms.FieldType.DATE, {})
        try:
            # a date as the date columns read it (2026/3/4, 2026年3月4日), else an ISO time
            return str(coerce_cell(day, written))
        except CellError as exc:
            if exc.code == "ambiguous-date":
                errors.append(_row_error(number, columns.header[index], exc.code, exc.wording))
                return None
        try:
            return parse_time(written, tz=self.tz)
        except ValueError as exc:
            wording = forms.text(
                N_("'%(value)s' is not a date or a time such as 2026-03-04T09:30 (%(problem)s)"),
                value=written,
                problem=str(exc),
            )
            errors.append(_row_error(number, columns.header[index], "bad-time", wording))
            return None

    def target_of(self, path: tuple[Any, ...]) -> str | None:
        if path and path[0] == "kind":
            return "kind"
        return super().target_of(path)

    def write(self, row: _Row, columns: ColumnMap) -> tuple[str, int]:
        values = row.values
        ref = str(values[EVENT_REF])
        payload = values["payload"]
        occurred = values["occurred_at"]
        key = values.get("idempotency_key") or _derived_key(
            ref, str(values["kind"]), occurred, payload
        )
        recorded = record_event(
            self.session,
            ref,
            EventInput(
                kind=str(values["kind"]), occurred_at=occurred, payload=payload, source=self.source
            ),
            idempotency_key=key,
            actor=self.actor,
            now=self.now,
            tz=self.tz,
        )
        return ("created" if recorded.created else "unchanged"), len(recorded.cases_opened)


def _derived_key(ref: str, kind: str, occurred: Any, payload: Mapping[str, Any]) -> str:
    """An idempotency key made of the row's content: the same row imported again repeats it."""
    when = occurred.isoformat() if isinstance(occurred, datetime | date) else str(occurred)
    body = json.dumps([ref, kind, when, dict(payload)], sort_keys=True, ensure_ascii=False)
    return "import:" + hashlib.sha256(body.encode("utf-8")).hexdigest()[:40]


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
    "import_rows",
    "rejected_csv",
]
