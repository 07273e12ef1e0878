"""The two kinds of bulk import, customers and events: the columns each can fill, how a row's cells
become what the engine takes, and how a row is written (engine.imports runs them).

A customers row goes through `engine.customers.upsert_customer` (unless it equals what is stored:
then nothing is written nor scored), an events row through `engine.events.record_event` with an
idempotency key (its column, else derived from the row), so both score and start workflows as
single writes do.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

import forms
from engine import crypto, specs, unique_values
from engine.clock import parse_time
from engine.customer_data import without_computed
from engine.customers import CustomerInput, upsert_customer
from engine.errors import N_, NotFoundError
from engine.events import EventInput, event_forms, record_event
from engine.models import Customer
from engine.scoping import Scope, is_within
from engine.terms import differing, terms_record, validated_terms
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
    def write(self, row: ImportRow, columns: ColumnMap) -> tuple[str, int]:
        """Store the row; returns its outcome (created, updated, unchanged) and cases opened."""

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
        data = {k: v for k, v in values.items() if k in self.fields}
        told = {e.column for e in errors}  # a cell that did not read is not also missing
        for item in forms.validate(self.form, data):
            target = str(item.path[0]) if item.path else None
            if item.code == "required" and target not in columns.filled():
                continue  # a column the file lacks: the stored value stays (checked on write)
            if target is not None and columns.column_of(target) in told:
                continue
            errors.append(
                RowError(
                    number,
                    columns.column_of(target) if target else None,
                    item.code,
                    item.message,
                    item.wording,
                )
            )
        return ImportRow(number=number, ref=ref, values=values, errors=errors)

    def _existing(self, row: ImportRow) -> Customer | None:
        if row.ref is not None:
            found = self.session.exec(_CUSTOMER_BY_REF, params={"ref": row.ref}).first()
            if found is not None or not self.has_uscc:
                return found
        uscc = row.values.get(USCC_FIELD)
        uscc_field = self.fields.get(USCC_FIELD)
        if uscc_field is not None and uscc_field.unique and isinstance(uscc, str):
            # matched through the unique values (an index), not a scan of the JSON data
            found_id = unique_values.holder_id(self.session, self.form, USCC_FIELD, uscc)
            return self.session.get(Customer, found_id) if found_id is not None else None
        if self.has_uscc and isinstance(uscc, str):
            return self.session.exec(_CUSTOMER_BY_USCC, params={"uscc": uscc}).first()
        return None

    def write(self, row: ImportRow, columns: ColumnMap) -> tuple[str, int]:
        filled = columns.filled()
        existing = self._existing(row)
        if existing is not None and not is_within(existing.department, self.scope):
            # as an upsert says it: a customer outside the caller's departments is not found
            raise NotFoundError(N_("there is no customer '%(ref)s'"), ref=existing.external_ref)
        given = {k: v for k, v in row.values.items() if k in self.fields}
        terms = {k: v for k, v in row.values.items() if k in self.terms and v is not None}
        if existing is None:
            ref = row.ref or str(row.values[USCC_FIELD])
            data = given
            department = row.values.get("department")
        else:
            ref = existing.external_ref
            before = crypto.customer_data(self.session, existing)
            # a column the file lacks leaves its field as stored; an empty cell clears it; the
            # computed fields are computed again by the upsert
            data = {**without_computed(self.form, before), **given}
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
                source=self.source,  # each changed field's freshness says "import"
            ),
            actor=self.actor,
            now=self.now,
            tz=self.tz,
            scope=self.scope,
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
        read_terms = terms_record(customer)
        if forms.validate(form.value, plain, terms=read_terms):
            return False  # the upsert reports the errors
        normalised = forms.normalise(form.value, plain, terms=read_terms)
        name = str(normalised.get("name") or customer.external_ref)
        if customer.name != name or customer.department != department:
            return False
        if terms and differing(customer, validated_terms(terms, currency=customer.currency)):
            return False
        return normalised == dict(before)


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

    def write(self, row: ImportRow, columns: ColumnMap) -> tuple[str, int]:
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
