"""Events: append something that happened to a customer, then re-score the customer.

Events are append-only. An idempotency key makes a write safe to retry: the same key with the same
body returns the event first stored (nothing written); with another body it is refused.

Everything is checked before anything is stored: the kind (one of the template's event forms,
when it declares any), the names and texts (no NUL or control characters), the payload's depth and
size, and the time (within the supported range, engine.clock).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, tzinfo
from typing import Any, Final

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

import forms
import workflows
from engine import audit, specs
from engine.clock import as_utc, in_range, parse_time
from engine.customers import Viewer, customer_view, find_customer
from engine.errors import (
    N_,
    ConflictError,
    DataValidationError,
    InvalidRequestError,
    NotFoundError,
)
from engine.evaluation import assess_customer
from engine.models import Customer, Event, SpecKind
from engine.ruleset_schema import CUSTOMER_FORM
from engine.scoping import Scope
from engine.types import json_dumps
from engine.views import EventRecorded, EventView

# A payload is a record of what happened, not a document store: bounded in nesting and size.
MAX_PAYLOAD_DEPTH: Final = 10
MAX_PAYLOAD_BYTES: Final = 64 * 1024
MAX_NAME_LENGTH: Final = 100


@dataclass(frozen=True, slots=True)
class EventInput:
    """One event as submitted. `occurred_at` without an offset (or a bare date, read as its
    midnight) is in the workspace time zone."""

    kind: str
    occurred_at: datetime | date | str
    payload: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None


def _occurred_at(value: datetime | date | str, tz: tzinfo) -> datetime:
    try:
        if isinstance(value, str):
            return parse_time(value, tz=tz)
        if isinstance(value, datetime):
            return in_range(value if value.tzinfo is not None else value.replace(tzinfo=tz))
        return in_range(datetime.combine(value, time(0), tzinfo=tz))
    except ValueError as exc:
        raise InvalidRequestError(N_("occurred_at: %(problem)s"), problem=str(exc)) from exc


def _depth(value: Any) -> int:
    """How deep `value` nests (a scalar 0, `{}` 1), counted without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_PAYLOAD_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def _name_errors(payload: EventInput, idempotency_key: str | None) -> list[forms.DataError]:
    errors = []
    for name, text, required in (
        ("kind", payload.kind, True),
        ("source", payload.source, False),
        ("idempotency_key", idempotency_key, False),
    ):
        if text is None:
            continue
        problem = forms.text_problem_of(text)
        code = "control-character"
        if problem is None and required and not text:
            problem, code = forms.text(N_("is empty")), "invalid"
        elif problem is None and len(text) > MAX_NAME_LENGTH:
            problem = forms.text(N_("is longer than %(max)d characters"), max=MAX_NAME_LENGTH)
            code = "invalid"
        if problem is not None:
            wording = forms.text(N_("%(name)s %(problem)s"), name=name, problem=problem)
            errors.append(forms.DataError.of((name,), code, wording))
    return errors


def _checked_input(payload: EventInput, idempotency_key: str | None) -> dict[str, Any]:
    """The payload as plain JSON once names, texts, depth and size pass. Raises
    DataValidationError listing every problem."""
    errors = _name_errors(payload, idempotency_key)
    errors.extend(forms.json_text_errors(dict(payload.payload), ("payload",)))
    if _depth(dict(payload.payload)) > MAX_PAYLOAD_DEPTH:
        wording = forms.text(N_("payload nests deeper than %(max)d levels"), max=MAX_PAYLOAD_DEPTH)
        errors.append(forms.DataError.of(("payload",), "too-deep", wording))
    if errors:
        raise DataValidationError(errors)
    text = json_dumps(dict(payload.payload))
    if len(text.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        wording = forms.text(
            N_("payload is larger than %(kb)d KB as JSON"), kb=MAX_PAYLOAD_BYTES // 1024
        )
        raise DataValidationError([forms.DataError.of(("payload",), "too-large", wording)])
    plain: dict[str, Any] = json.loads(text)
    return plain


def _action_forms(session: Session) -> set[str]:
    """The keys of the forms the published workflows' actions fill (never event kinds)."""
    return {
        action.form
        for workflow in specs.published_workflows(session)
        for step in workflow.value.steps.values()
        for action in step.actions.values()
        if action.form is not None
    }


def event_forms(session: Session) -> dict[str, forms.Form]:
    """The published event forms by kind: every published form but the customer form and the
    forms of workflow actions (engine.imports maps an events file's columns to their fields)."""
    not_events = {CUSTOMER_FORM, *_action_forms(session)}
    return {
        row.key: specs.load_form(session, row.key).value
        for row in specs.published_rows(session, SpecKind.FORM)
        if row.key not in not_events
    }


def _validated_payload(session: Session, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload checked against the published form named like the event kind. A kind
    without a form is stored as given only while the workspace declares no event forms at all.
    The customer form and the forms of workflow actions (a proposal's terms) are no event kinds.
    Raises DataValidationError."""
    not_events = {CUSTOMER_FORM, *_action_forms(session)}
    try:
        form = specs.load_form(session, kind) if kind not in not_events else None
    except NotFoundError:
        form = None
    if form is None:
        kinds = [
            row.key
            for row in specs.published_rows(session, SpecKind.FORM)
            if row.key not in not_events
        ]
        if kind in not_events or kinds:
            hint = forms.did_you_mean(kind, kinds)
            wording = (
                forms.text(
                    N_("unknown event kind '%(kind)s'%(hint)s; the event kinds are %(kinds)s"),
                    kind=kind,
                    hint=hint,
                    kinds=", ".join(sorted(set(kinds))),
                )
                if kinds
                else forms.text(N_("unknown event kind '%(kind)s'%(hint)s"), kind=kind, hint=hint)
            )
            raise DataValidationError([forms.DataError.of(("kind",), "unknown-kind", wording)])
        return payload
    errors = forms.validate(form.value, payload)
    if errors:
        raise DataValidationError(replace(e, path=("payload", *e.path)) for e in errors)
    return forms.normalise(form.value, payload)


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


def _replay(
    session: Session, key: str, candidate: Event, tz: tzinfo, viewer: Viewer | None
) -> EventRecorded | None:
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
        raise ConflictError(
            N_("idempotency key '%(key)s' was already used for a different event"), key=key
        )
    customer = session.get(Customer, original.customer_id)
    assert customer is not None
    return EventRecorded(
        event=event_view(original, customer),
        created=False,
        customer=customer_view(session, customer, viewer=viewer),
    )


def _event_received(event: Event, tz: tzinfo) -> workflows.Occurrence:
    """The occurrence of an event: guards read its payload's fields, `kind` and `occurred_at`
    (its date in the workspace time zone)."""
    facts = {
        **event.payload,
        "kind": event.kind,
        "occurred_at": event.occurred_at.astimezone(tz).date().isoformat(),
    }
    return workflows.Occurrence(
        kind=workflows.TriggerKind.EVENT_RECEIVED,
        facts={"event": facts},
        reason={
            "trigger": str(workflows.TriggerKind.EVENT_RECEIVED),
            "event_id": event.id,
            "kind": event.kind,
        },
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
    viewer: Viewer | None = None,
    scope: Scope = None,
) -> EventRecorded:
    """Append an event to customer `ref` (when it lies in `scope`, engine.scoping) and re-score
    the customer.

    Returns the event, whether it was created (False: a replay of `idempotency_key`), and the
    customer afterwards. Raises NotFoundError (no such customer), InvalidRequestError (bad time),
    DataValidationError (an unknown kind, a control character, a payload too deep or too large,
    or one that breaks the event kind's form), ConflictError (the key was used for another
    event), NotConfiguredError (no template imported).
    """
    plain = _checked_input(payload, idempotency_key)
    occurred_at = _occurred_at(payload.occurred_at, tz)
    customer = find_customer(session, ref, scope=scope)
    assert customer.id is not None
    event = Event(
        customer_id=customer.id,
        kind=payload.kind,
        occurred_at=occurred_at,
        payload=_validated_payload(session, payload.kind, plain),
        source=payload.source,
        idempotency_key=idempotency_key,
        created_by=actor,
        created_at=now,
    )
    if idempotency_key is not None:
        replayed = _replay(session, idempotency_key, event, tz, viewer)
        if replayed is not None:
            return replayed
    try:
        if idempotency_key is None:
            # nothing to go on with after a refused insert: no savepoint
            session.add(event)
            session.flush()
        else:
            with session.begin_nested():
                session.add(event)
                session.flush()
    except IntegrityError:
        # Another transaction stored the same key between our check and our insert.
        if idempotency_key is None:
            raise
        replayed = _replay(session, idempotency_key, event, tz, viewer)
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
        department=customer.department,
        customer_ref=customer.external_ref,
        now=now,
    )
    assessed = assess_customer(
        session, customer, actor=actor, now=now, tz=tz, occurrences=[_event_received(event, tz)]
    )
    return EventRecorded(
        event=event_view(event, customer),
        created=True,
        customer=customer_view(session, customer, viewer=viewer, latest=assessed.latest),
        cases_opened=tuple(assessed.cases_opened),
    )
