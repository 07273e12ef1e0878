"""The two kinds of bulk import, customers and events: the columns each can fill, how a row's cells
become what the engine takes, and how a row is written (engine.imports runs them).

Customers rows go through the bulk write path (engine.customer_import: validated once, created
customers written and scored a batch at a time, a row equal to what is stored not written nor
scored), events rows one by one through `engine.events.record_event` with an idempotency key
(its column, else derived from the row); both score and start workflows as single writes do.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from enum import StrEnum
from typing import Any, Final

from sqlmodel import Session

import forms
from engine import customer_import_plan, specs
from engine.clock import parse_time
from engine.customer_import import CustomerWriter
from engine.customer_import_plan import BulkRow, Written
from engine.errors import N_, EngineError
from engine.events import EventInput, event_forms, record_event
from engine.scoping import Scope
from forms import Cell, CellError, ColumnMap, Table, Target, coerce_cell

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
USCC_FIELD: Final = customer_import_plan.USCC_FIELD


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
        """As a job's report stores it: `wording` (forms.stored_text) says the message in a
        reader's language."""
        found: dict[str, Any] = {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }
        if self.wording is not None:
            found["wording"] = forms.stored_text(self.wording)
        return found

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> RowError:
        """The error a report stored (`to_dict`)."""
        wording = stored.get("wording")
        return cls(
            int(stored["row"]),
            stored.get("column"),
            str(stored["code"]),
            str(stored["message"]),
            forms.restored_text(wording) if isinstance(wording, Mapping) else None,
        )


@dataclass(slots=True)
class ImportRow:
    """A data row once its cells are read: what goes to the engine."""

    number: int
    ref: str | None
    values: dict[str, Any]  # target id → value (None: the cell was empty)
    errors: list[RowError]


def row_error(number: int, column: str | None, code: str, wording: forms.Text) -> RowError:
    """The error at `column` of row `number` saying `wording` (its English is the message)."""
    return RowError(number, column, code, wording.english(), wording)


def ref_target(columns: ColumnMap) -> str:
    return EVENT_REF if EVENT_REF in columns.filled() else CUSTOMER_REF


class Importer(ABC):
    """What a kind of import knows: its targets, how to read a row and how to write it. Each
    kind (customers, events) is a subclass giving `read` and `write`."""

    targets: tuple[Target, ...]

    def __init__(
        self,
        session: Session,
        *,
        actor: str | None,
        now: datetime,
        tz: tzinfo,
        source: str,
        scope: Scope = None,
    ) -> None:
        self.session = session
        self.actor = actor
        self.now = now
        self.tz = tz
        self.source = source
        self.scope = scope  # the departments the caller may write (engine.scoping)
        self._load(session)

    @abstractmethod
    def _load(self, session: Session) -> None:
        """Read what the kind needs of the published definitions (its forms, its targets)."""

    @abstractmethod
    def read(
        self, number: int, cells: tuple[Cell, ...], columns: ColumnMap, table: Table
    ) -> ImportRow:
        """Row `number`'s cells as the values of its targets, with the errors found."""

    @abstractmethod
    def write_all(
        self,
        rows: Sequence[ImportRow],
        columns: ColumnMap,
        *,
        stop_on_rejection: bool,
        progress: Callable[[int], None] | None = None,
    ) -> dict[int, Written]:
        """Store `rows` (read without errors) in order; returns each row's outcome by number:
        (created, updated or unchanged; cases opened), or the engine's refusal that rejects it
        (nothing of it stored). With `stop_on_rejection` (all-or-nothing) it stops at the first
        refusal, the caller rolling back. `progress` is told the rows done so far."""

    def check_all(self, rows: Sequence[ImportRow], columns: ColumnMap) -> dict[int, EngineError]:
        """The refusals writing `rows` would meet that can be found without writing (an
        all-or-nothing import that will not store the file still reports them). None by
        default: an events row is checked by writing it."""
        return {}

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
                    row_error(
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
                errors.append(row_error(number, column, exc.code, exc.wording))
                continue
            problem = (
                forms.text_problem_of(values[target]) if isinstance(values[target], str) else None
            )
            if problem is not None:
                errors.append(
                    row_error(
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


class _CustomerImporter(Importer):
    def _load(self, session: Session) -> None:
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

    def read(
        self, number: int, cells: tuple[Cell, ...], columns: ColumnMap, table: Table
    ) -> ImportRow:
        values, errors = self.cell_values(
            number, cells, columns, {**self.fields, **self.terms}, table
        )
        ref = values.get(CUSTOMER_REF)
        if ref is None and not (self.has_uscc and values.get(USCC_FIELD)):
            errors.append(
                row_error(
                    number,
                    columns.column_of(CUSTOMER_REF),
                    "missing-ref",
                    forms.text(N_("the row has no customer reference (external_ref)")),
                )
            )
        # the form's validation runs once, on the whole record a row stores (engine.
        # customer_import): a column the file lacks keeps the stored value
        return ImportRow(number=number, ref=ref, values=values, errors=errors)

    def write_all(
        self,
        rows: Sequence[ImportRow],
        columns: ColumnMap,
        *,
        stop_on_rejection: bool,
        progress: Callable[[int], None] | None = None,
    ) -> dict[int, Written]:
        bulk = self._bulk_rows(rows, columns)
        return self._writer().write(bulk, stop_on_rejection=stop_on_rejection, progress=progress)

    def check_all(self, rows: Sequence[ImportRow], columns: ColumnMap) -> dict[int, EngineError]:
        return self._writer().check(self._bulk_rows(rows, columns))

    def _writer(self) -> CustomerWriter:
        return CustomerWriter(
            self.session,
            actor=self.actor,
            now=self.now,
            tz=self.tz,
            source=self.source,  # each changed field's freshness says "import"
            scope=self.scope,
        )

    def _bulk_rows(self, rows: Sequence[ImportRow], columns: ColumnMap) -> list[BulkRow]:
        filled = columns.filled()
        return [
            BulkRow(
                number=row.number,
                ref=row.ref,
                data={k: v for k, v in row.values.items() if k in self.fields},
                terms={k: v for k, v in row.values.items() if k in self.terms and v is not None},
                department=row.values.get("department"),
                has_department="department" in filled,
            )
            for row in rows
        ]


class _EventImporter(Importer):
    def _load(self, session: Session) -> None:
        self.kinds = event_forms(session)
        # a field id several kinds share (`amount`) answers to each kind's labels
        names: dict[str, list[str]] = {}
        for form in self.kinds.values():
            for f in form.fields:
                names.setdefault(f.id, []).extend(Target.of_field(f).names)
        self.payload_ids = set(names)
        self.targets = (
            Target(EVENT_REF, tuple(n for n in (*REF_NAMES, CUSTOMER_REF) if n != EVENT_REF)),
            *(Target(name, aliases) for name, aliases in EVENT_COLUMNS.items()),
            *(Target(field_id, tuple(dict.fromkeys(labels))) for field_id, labels in names.items()),
        )

    def read(
        self, number: int, cells: tuple[Cell, ...], columns: ColumnMap, table: Table
    ) -> ImportRow:
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
                    row_error(number, columns.column_of(target), code, forms.text(wording))
                )
        form = self.kinds.get(kind) if isinstance(kind, str) else None
        if isinstance(kind, str) and form is None and self.kinds:
            errors.append(
                row_error(
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
                            row_error(
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
                    errors.append(row_error(number, column, exc.code, exc.wording))
                    continue
                if value is not None:
                    payload[payload_field] = value
            told = {e.column for e in errors}  # a cell that did not read is not also missing
            for item in forms.validate(form, payload):
                named = str(item.path[0]) if item.path else None
                if named is not None and columns.column_of(named) in told:
                    continue
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
        return ImportRow(number=number, ref=None, values=values, errors=errors)

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
                errors.append(row_error(number, columns.header[index], exc.code, exc.wording))
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
                errors.append(row_error(number, columns.header[index], exc.code, exc.wording))
                return None
        try:
            return parse_time(written, tz=self.tz)
        except ValueError as exc:
            wording = forms.text(
                N_("'%(value)s' is not a date or a time such as 2026-03-04T09:30 (%(problem)s)"),
                value=written,
                problem=str(exc),
            )
            errors.append(row_error(number, columns.header[index], "bad-time", wording))
            return None

    def target_of(self, path: tuple[Any, ...]) -> str | None:
        if path and path[0] == "kind":
            return "kind"
        return super().target_of(path)

    def write_all(
        self,
        rows: Sequence[ImportRow],
        columns: ColumnMap,
        *,
        stop_on_rejection: bool,
        progress: Callable[[int], None] | None = None,
    ) -> dict[int, Written]:
        """Each row through `engine.events.record_event`, in a savepoint of its own."""
        outcomes: dict[int, Written] = {}
        for done, row in enumerate(rows, start=1):
            try:
                with self.session.begin_nested():
                    outcomes[row.number] = self._write(row)
            except EngineError as exc:
                outcomes[row.number] = exc
                if stop_on_rejection:
                    break
            if progress is not None:
                progress(done)
        return outcomes

    def _write(self, row: ImportRow) -> tuple[str, int]:
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
            scope=self.scope,
        )
        return ("created" if recorded.created else "unchanged"), len(recorded.cases_opened)


def _derived_key(ref: str, kind: str, occurred: Any, payload: Mapping[str, Any]) -> str:
    """An idempotency key made of the row's content: the same row imported again repeats it."""
    when = occurred.isoformat() if isinstance(occurred, datetime | date) else str(occurred)
    body = json.dumps([ref, kind, when, dict(payload)], sort_keys=True, ensure_ascii=False)
    return "import:" + hashlib.sha256(body.encode("utf-8")).hexdigest()[:40]


def importer_for(
    kind: ImportKind,
    session: Session,
    *,
    actor: str | None,
    now: datetime,
    tz: tzinfo,
    source: str,
    scope: Scope = None,
) -> Importer:
    """The importer of `kind`, reading the published forms, writing within `scope` (a row for
    a customer outside it is rejected: not found). Raises NotConfiguredError."""
    importer = _CustomerImporter if kind is ImportKind.CUSTOMERS else _EventImporter
    return importer(session, actor=actor, now=now, tz=tz, source=source, scope=scope)
