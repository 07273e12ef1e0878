"""Planning the rows of a customers import: each row matched to the stored customer it names
(by reference or uscc), validated once against the whole record it would store, its references
checked against the stored customers and the rows before it, its department against the
author's scope; the rows are grouped into segments, none of whose rows writes a customer
another one writes. Reads the database, never writes it: engine.customer_import writes the
segments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Final

from sqlalchemy import select
from sqlmodel import Session, col

import forms
from engine import crypto, freshness, specs, unique_values
from engine.customer_data import (
    reference_errors,
    reference_fields,
    stored_data,
    validated_data,
    without_computed,
)
from engine.customers import CustomerInput, incoming_data
from engine.errors import (
    N_,
    ConflictError,
    DataValidationError,
    EngineError,
    NotFoundError,
    PermissionDeniedError,
)
from engine.models import Customer
from engine.scoping import Scope, is_within
from engine.terms import DEFAULT_TERMS, differing, terms_record, validated_terms

# rows written per batch of statements (and read per batch of look-ups)
BATCH: Final = 1000
USCC_FIELD: Final = "uscc"


@dataclass(slots=True)
class BulkRow:
    """A row to write: its number, the reference it gives (None: matched on uscc), the form
    data and terms it gives (target id → value; None: an empty cell), its department cell and
    whether the file has a department column."""

    number: int
    ref: str | None
    data: dict[str, Any]
    terms: dict[str, Any]
    department: str | None
    has_department: bool


# what became of a row: (outcome, cases opened) or the refusal that rejects it
Written = tuple[str, int] | EngineError


@dataclass(slots=True)
class NewRow:
    number: int
    ref: str
    name: str
    department: str | None
    data: dict[str, Any]  # in clear, validated and normalised
    terms: dict[str, Any]  # stored types
    currency: str


@dataclass(slots=True)
class RowUpdate:
    number: int
    customer: Customer
    changes: dict[str, Any]
    changed_fields: list[str]
    before: dict[str, Any]
    data: dict[str, Any]  # in clear, as it is stored


@dataclass(slots=True)
class Segment:
    """Rows planned together: none of them matches a customer another one writes."""

    new: list[NewRow] = field(default_factory=list)
    updates: list[RowUpdate] = field(default_factory=list)
    outcomes: dict[int, Written] = field(default_factory=dict)



def has_refusal(outcomes: Mapping[int, Written]) -> bool:
    return any(isinstance(o, EngineError) for o in outcomes.values())


class ImportPlanner:
    """What a customers import knows while it plans the rows of a chunk: the caller, the time,
    the customer form and its references (engine.customer_import.CustomerWriter writes them)."""

    def __init__(
        self,
        session: Session,
        *,
        actor: str | None,
        now: datetime,
        tz: tzinfo,
        source: str,
        scope: Scope,
    ) -> None:
        self.session = session
        self.actor = actor
        self.now = now
        self.tz = tz
        self.source = source
        self.scope = scope
        loaded = specs.customer_form(session)
        self.form_spec = loaded
        self.form = loaded.value
        self.has_uscc = any(f.id == USCC_FIELD for f in self.form.fields)
        self.references = reference_fields(self.form)
        self.as_of = now.astimezone(tz).date()
        self.currency = specs.base_currency(session, "CNY")
        self._departments: set[str] = set()

    def check(self, rows: Sequence[BulkRow]) -> dict[int, EngineError]:
        """The refusals planning `rows` finds, writing nothing (all-or-nothing reports them
        with the errors of a file it will not store). The rows planned before count as
        created for the references of the later ones; a row that would write a customer an
        earlier unwritten row creates is checked as creating one."""
        refused: dict[int, EngineError] = {}
        pending: set[str] = set()
        at = 0
        while at < len(rows):
            segment, at = self._plan(rows, at, pending_refs=pending)
            refused.update(
                (n, o) for n, o in segment.outcomes.items() if isinstance(o, EngineError)
            )
        return refused

    def _plan(
        self, rows: Sequence[BulkRow], start: int, *, pending_refs: set[str]
    ) -> tuple[Segment, int]:
        """Plan at most BATCH rows from `start` on, up to (not including) the first one that
        matches a customer an earlier row of the segment writes; returns the segment and where
        it ends. `pending_refs` (added to) are the references of customers planned but not
        stored yet."""
        segment = Segment()
        by_ref: dict[str, Customer] = {}
        by_uscc: dict[str, Customer] = {}
        known: set[str] = set()  # references that name a stored customer
        end = min(len(rows), start + BATCH)
        touched: set[int] = set()  # the existing customers the segment writes
        pending_uscc: set[str] = set()
        self._look_up(rows[start:end], by_ref, by_uscc, known)
        at = start
        while at < end:
            row = rows[at]
            existing = self._match(row, by_ref, by_uscc)
            uscc = row.data.get(USCC_FIELD) if self.has_uscc else None
            if (existing is not None and existing.id in touched) or (
                existing is None and isinstance(uscc, str) and uscc in pending_uscc
            ):
                break  # the row changes what an earlier one writes: it waits for that

            def exists(ref: str) -> bool:
                return ref in known or ref in pending_refs

            try:
                planned = self._plan_row(row, existing, exists)
            except EngineError as exc:
                segment.outcomes[row.number] = exc
            else:
                if planned is None:
                    segment.outcomes[row.number] = ("unchanged", 0)
                    at += 1
                    continue
                if isinstance(planned, NewRow):
                    segment.new.append(planned)
                    pending_refs.add(planned.ref)
                else:
                    segment.updates.append(planned)
                    assert planned.customer.id is not None
                    touched.add(planned.customer.id)
                # a later row without a known reference may name this customer by its uscc
                if isinstance(uscc, str):
                    pending_uscc.add(uscc)
            at += 1
        return segment, at

    def _look_up(
        self,
        rows: Sequence[BulkRow],
        by_ref: dict[str, Customer],
        by_uscc: dict[str, Customer],
        known: set[str],
    ) -> None:
        """The stored customers `rows` name (by reference, else uscc), and which of the
        references their reference fields hold are stored customers, a query or two each."""
        refs = [row.ref for row in rows if row.ref is not None]
        if refs:
            for customer in self.session.execute(
                select(Customer).where(col(Customer.external_ref).in_(refs))
            ).scalars():
                by_ref[customer.external_ref] = customer
        if self.has_uscc:
            usccs = [
                row.data[USCC_FIELD]
                for row in rows
                if (row.ref is None or row.ref not in by_ref)
                and isinstance(row.data.get(USCC_FIELD), str)
            ]
            if usccs:
                uscc_of = col(Customer.data)[USCC_FIELD].as_string()
                for customer in self.session.execute(
                    select(Customer).where(uscc_of.in_(usccs)).order_by(col(Customer.id))
                ).scalars():
                    by_uscc.setdefault(str(customer.data.get(USCC_FIELD)), customer)
        named = {
            row.data[f] for row in rows for f in self.references if isinstance(row.data.get(f), str)
        }
        if named:
            known.update(
                self.session.execute(
                    select(col(Customer.external_ref)).where(col(Customer.external_ref).in_(named))
                ).scalars()
            )

    def _match(
        self, row: BulkRow, by_ref: Mapping[str, Customer], by_uscc: Mapping[str, Customer]
    ) -> Customer | None:
        """The stored customer the row writes: by reference, else by uscc (as before)."""
        if row.ref is not None:
            found = by_ref.get(row.ref)
            if found is not None or not self.has_uscc:
                return found
        uscc = row.data.get(USCC_FIELD)
        if self.has_uscc and isinstance(uscc, str):
            return by_uscc.get(uscc)
        return None

    def _plan_row(
        self, row: BulkRow, existing: Customer | None, exists: Callable[[str], bool]
    ) -> NewRow | RowUpdate | None:
        """What writing `row` means (None: nothing changes), checked as an upsert checks it.
        Raises NotFoundError, DataValidationError, PermissionDeniedError, ConflictError."""
        if existing is not None and not is_within(existing.department, self.scope):
            # as an upsert says it: a customer outside the caller's departments is not found
            raise NotFoundError(N_("there is no customer '%(ref)s'"), ref=existing.external_ref)
        if existing is None:
            ref = row.ref or str(row.data[USCC_FIELD])
            before: dict[str, Any] = {}
            sent = {k: v for k, v in row.data.items() if v is not None}
            department = row.department
            read_terms = {**DEFAULT_TERMS, **row.terms}
        else:
            ref = existing.external_ref
            before = crypto.customer_data(self.session, existing)
            # a column the file lacks leaves its field as stored; an empty cell clears it; the
            # computed fields are computed again
            merged = {**without_computed(self.form, before), **row.data}
            sent = incoming_data(
                self.form,
                CustomerInput(data={k: v for k, v in merged.items() if v is not None}),
                before,
                existing,
            )
            department = row.department if row.has_department else existing.department
            read_terms = terms_record(existing)
        # the one validation of the row, against the whole record it stores
        data = validated_data(self.form, sent, terms=read_terms, as_of=self.as_of)
        errors = reference_errors(self.form, data, ref=ref, exists=exists)
        if errors:
            raise DataValidationError(errors)
        # a value of a `unique` field another customer holds (the writes decide again)
        unique_values.check(
            self.session,
            self.form,
            data,
            customer_id=existing.id if existing is not None else None,
            scope=self.scope,
        )
        if not is_within(department, self.scope):
            allowed = ", ".join(sorted(self.scope or ()))
            if allowed:
                raise PermissionDeniedError(
                    N_("you may write customers of department(s) %(allowed)s only"),
                    allowed=allowed,
                )
            raise PermissionDeniedError(N_("you may write customers of no department"))
        name = str(data.get("name") or ref)
        if existing is None:
            # every terms column, a None one (next_review_at) as the column's default
            terms = {
                **dict.fromkeys(forms.TERMS_FIELDS),
                **validated_terms({**DEFAULT_TERMS, **row.terms}, currency=self.currency),
            }
            return NewRow(row.number, ref, name, department, data, terms, self.currency)
        if row.terms and differing(
            existing, validated_terms(row.terms, currency=existing.currency)
        ):
            raise ConflictError(N_("credit terms change only through workflows"))
        changed_fields = sorted(
            {k for k in set(before) | set(data) if before.get(k) != data.get(k)}
        )
        changes: dict[str, Any] = {}
        if existing.name != name:
            changes["name"] = name
        if existing.department != department:
            changes["department"] = department
        if changed_fields:
            changes["data"] = stored_data(
                self.session, self.form, data, ref=ref, previous=existing.data
            )
            changes["freshness"] = freshness.stamped(
                existing.freshness, before, data, source=self.source, now=self.now
            )
        if (existing.form_key, existing.form_version) != (
            self.form_spec.key,
            self.form_spec.version,
        ):
            changes.update(form_key=self.form_spec.key, form_version=self.form_spec.version)
        if not changes:
            return None
        return RowUpdate(row.number, existing, changes, changed_fields, before, data)

