"""Events: append something that happened to a customer, then re-score the customer.

Events are append-only. An idempotency key makes a write safe to retry: the same key with the same
body returns the event first stored (nothing written); with another body it is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, tzinfo
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

import forms
from engine import audit, specs
from engine.clock import as_utc, parse_time
from engine.customers import customer_view, find_customer
from engine.errors import ConflictError, DataValidationError, InvalidRequestError, NotFoundError
from engine.evaluation import assess_customer
from engine.models import Customer, Event
from engine.types import json_dumps
from engine.views import EventRecorded, EventView


@dataclass(frozen=True, slots=True)
class EventInput:
    """One event as submitted. `occurred_at` without an offset (or a bare date, read as its
    midnight) is in the workspace time zone."""

    kind: str
    occurred_at: datetime | date | str
    payload: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None


def _occurred_at(value: datetime | date | str, tz: tzinfo) -> datetime:
    if isinstance(value, str):
        try:
            return parse_time(value, tz=tz)
        except ValueError as exc:
            raise InvalidRequestError(f"occurred_at '{value}' is not an ISO 8601 time") from exc
    if isinstance(value, datetime):
        return as_utc(value if value.tzinfo is not None else value.replace(tzinfo=tz))
    return as_utc(datetime.combine(value, time(0), tzinfo=tz))


def _validated_payload(session: Session, kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload checked against the published form named like the event kind, when there is
    one (events of other kinds are stored as given). Raises DataValidationError."""
    try:
        form = specs.load_form(session, kind)
    except NotFoundError:
        stored: dict[str, Any] = json.loads(json_dumps(dict(payload)))
        return stored
    errors = forms.validate(form.value, dict(payload))
    if errors:
        raise DataValidationError(replace(e, path=("payload", *e.path)) for e in errors)
    return forms.normalise(form.value, dict(payload))


def event_view(event: Event, customer: Customer) -> EventView:
    assert event.id is not None
    return EventView(
        id=event.id,
        customer_ref=customer.external_ref,
        kind=event.kind,
        occurred_at=event.occurred_at,
        payload=dict(event.payload),
        source=event.source,
        idempotency_key=event.idempotency_key,
        created_by=event.created_by,
        created_at=event.created_at,
    )


def _replay(session: Session, key: str, candidate: Event, tz: tzinfo) -> EventRecorded | None:
    """The original event for `key` when `candidate` repeats it; None when there is none yet.

    Raises ConflictError when the key was used for a different event.
    """
    original = session.exec(select(Event).where(Event.idempotency_key == key)).first()
    if original is None:
        return None
    same = (
        original.customer_id == candidate.customer_id
        and original.kind == candidate.kind
        and as_utc(original.occurred_at) == as_utc(candidate.occurred_at)
        and original.payload == json.loads(json_dumps(candidate.payload))
    )
    if not same:
        raise ConflictError(f"idempotency key '{key}' was already used for a different event")
    customer = session.get(Customer, original.customer_id)
    assert customer is not None
    return EventRecorded(
        event=event_view(original, customer),
        created=False,
        customer=customer_view(session, customer),
    )


def record_event(
    session: Session,
    ref: str,
    payload: EventInput,
    *,
    idempotency_key: str | None = None,
    actor: str | None,
    now: datetime,
    tz: tzinfo,
) -> EventRecorded:
    """Append an event to customer `ref` and re-score the customer.

    Returns the event, whether it was created (False: a replay of `idempotency_key`), and the
    customer afterwards. Raises NotFoundError (no such customer), InvalidRequestError (bad time),
    DataValidationError (payload breaks the event kind's form), ConflictError (the key was used
    for another event), NotConfiguredError (no template imported).
    """
    customer = find_customer(session, ref)
    assert customer.id is not None
    event = Event(
        customer_id=customer.id,
        kind=payload.kind,
        occurred_at=_occurred_at(payload.occurred_at, tz),
        payload=_validated_payload(session, payload.kind, payload.payload),
        source=payload.source,
        idempotency_key=idempotency_key,
        created_by=actor,
        created_at=now,
    )
    if idempotency_key is not None:
        replayed = _replay(session, idempotency_key, event, tz)
        if replayed is not None:
            return replayed
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:
        # Another transaction stored the same key between our check and our insert.
        if idempotency_key is None:
            raise
        replayed = _replay(session, idempotency_key, event, tz)
        if replayed is None:
            raise
        return replayed
    audit.record(
        session,
        actor=actor,
        action="event.recorded",
        entity_kind="customer",
        entity_id=ref,
        detail={"event_id": event.id, "kind": event.kind, "occurred_at": event.occurred_at},
        now=now,
    )
    assessed = assess_customer(session, customer, actor=actor, now=now, tz=tz)
    return EventRecorded(
        event=event_view(event, customer),
        created=True,
        customer=customer_view(session, customer),
        cases_opened=tuple(assessed.cases_opened),
    )
