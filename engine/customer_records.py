"""A customer's records beyond its current data, as its page and the API read them
(docs/customers.md): its events a page at a time, filtered by kind and labelled by their forms,
and the changes of its credit terms, each with its before and after, the case that made it and
who approved it. Read only; every function takes the caller's department scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from engine.case_history import terms_change_entry
from engine.case_page_views import TermsChangeEntry
from engine.customers import find_customer
from engine.errors import N_, InvalidRequestError, NotConfiguredError
from engine.events import event_forms, event_view
from engine.models import Event, TermsChange
from engine.pagination import clamp_limit, decode_cursor, encode_cursor
from engine.scoping import Scope
from engine.types import is_row_id
from engine.views import EventView, Page


@dataclass(frozen=True, slots=True)
class EventShown:
    """An event as the customer page lists it: its kind's label, its payload's fields labelled
    in the form's order (a field the form no longer has keeps its id)."""

    event: EventView
    kind_label: str
    fields: tuple[tuple[str, str, Any], ...]  # (label, the field's type, value)


@dataclass(frozen=True, slots=True)
class CustomerEvents:
    """A page of a customer's events, newest first, with every kind it has events of (each
    with its label and count) for the page's filter."""

    items: tuple[EventShown, ...]
    next_cursor: str | None
    kinds: tuple[tuple[str, str, int], ...]  # (kind, label, events of it)
    total: int  # events of the kind asked for (all kinds: every event)


_Labels = dict[str, dict[str, tuple[str, str]]]  # kind → field id → (label, type)


def _labels(session: Session, language: str) -> tuple[dict[str, str], _Labels]:
    """Event kind → its form's title, and kind → field id → (label, type), in `language`."""
    try:
        found = event_forms(session)
    except NotConfiguredError:
        return {}, {}
    kinds = {kind: form.title(language) for kind, form in found.items()}
    fields = {
        kind: {f.id: (f.title(language), str(f.type)) for f in form.fields}
        for kind, form in found.items()
    }
    return kinds, fields


def customer_events(
    session: Session,
    ref: str,
    *,
    language: str,
    kind: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
    scope: Scope = None,
) -> CustomerEvents:
    """The events of customer `ref` (within `scope`), newest first (by when they occurred,
    then as recorded), of `kind` when given. Raises NotFoundError (no such customer in
    `scope`), InvalidRequestError (a foreign cursor, a limit below 1)."""
    customer = find_customer(session, ref, scope=scope)
    size = clamp_limit(limit)
    kind_labels, field_labels = _labels(session, language)
    counts = session.exec(
        select(Event.kind, func.count())
        .where(Event.customer_id == customer.id)
        .group_by(Event.kind)
        .order_by(Event.kind)
    ).all()
    query = select(Event).where(Event.customer_id == customer.id)
    if kind:
        query = query.where(Event.kind == kind)
    after = decode_cursor(cursor)
    if after is not None:  # the page after the event of id `after`, in the same order
        last = session.get(Event, after) if is_row_id(after) else None
        if last is None or last.customer_id != customer.id:
            raise InvalidRequestError(N_("the cursor is not one this list gave out"))
        query = query.where(
            (col(Event.occurred_at) < last.occurred_at)
            | ((col(Event.occurred_at) == last.occurred_at) & (col(Event.id) < after))
        )
    rows = session.exec(
        query.order_by(col(Event.occurred_at).desc(), col(Event.id).desc()).limit(size + 1)
    ).all()
    items = tuple(
        _shown(event_view(row, customer), kind_labels, field_labels) for row in rows[:size]
    )
    by_kind = {k: int(n) for k, n in counts}
    return CustomerEvents(
        items=items,
        next_cursor=encode_cursor(items[-1].event.id) if len(rows) > size else None,
        kinds=tuple((k, kind_labels.get(k, k), n) for k, n in by_kind.items()),
        total=by_kind.get(kind, 0) if kind else sum(by_kind.values()),
    )


def _shown(event: EventView, kinds: Mapping[str, str], fields: _Labels) -> EventShown:
    labels = fields.get(event.kind, {})
    ordered = [f for f in labels if f in event.payload]
    ordered += sorted(set(event.payload) - set(ordered))
    return EventShown(
        event=event,
        kind_label=kinds.get(event.kind, event.kind),
        fields=tuple((*labels.get(f, (f, "text")), event.payload[f]) for f in ordered),
    )


def terms_history(
    session: Session,
    ref: str,
    *,
    language: str,
    cursor: str | None = None,
    limit: int | None = None,
    scope: Scope = None,
) -> Page[TermsChangeEntry]:
    """The credit-terms changes of customer `ref` (within `scope`), newest first, each with the
    terms it changed (before → after), its case, its approver and whether it is temporary
    (restored at a time or once a condition holds) or a restoration. Raises NotFoundError,
    InvalidRequestError (a foreign cursor, a limit below 1)."""
    customer = find_customer(session, ref, scope=scope)
    size = clamp_limit(limit)
    query = select(TermsChange).where(TermsChange.customer_id == customer.id)
    before = decode_cursor(cursor)
    if before is not None:
        query = query.where(col(TermsChange.id) < before)
    rows = session.exec(query.order_by(col(TermsChange.id).desc()).limit(size + 1)).all()
    items = tuple(terms_change_entry(row, language=language) for row in rows[:size])
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > size else None)


__all__ = ["CustomerEvents", "EventShown", "customer_events", "terms_history"]
