"""Alerts with a lifecycle (issue 12, docs/alerts.md).

An alert belongs to one rule of one customer. Each new assessment of the customer compares the
alerts its result raises with the customer's active alerts (open or acknowledged) — `diff`, a
pure function of the two:

- a rule that starts firing opens an alert (a critical one is notified);
- a rule that keeps firing keeps its alert, updated when its message or severity changed
  (`overdue 120 days` → `overdue 121 days`), never a second one; an acknowledged alert stays
  acknowledged;
- a rule that stops firing resolves its alert; firing again later opens a new one.

Every step is an AlertEvent row written with the assessment, in its transaction. A person
acknowledges an alert with a comment (`acknowledge`, audited): it stays until its rule stops.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import false, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from engine import audit, notifications
from engine.bulk_insert import insert_rows, insert_rows_returning_ids
from engine.errors import N_, ConflictError, InvalidRequestError, NotFoundError
from engine.models import Alert, AlertEvent, AlertEventKind, AlertStatus, Customer
from engine.pagination import clamp_limit, decode_cursor, encode_cursor
from engine.scoping import Scope, is_within
from engine.views import Page

CRITICAL: Final = "critical"
SEVERITIES: Final = ("critical", "warning", "info")
ACTIVE: Final = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
# a status filter that means both active ones
ACTIVE_FILTER: Final = "active"
MAX_COMMENT: Final = 2000


@dataclass(frozen=True, slots=True)
class ActiveAlert:
    """What `diff` needs of a stored alert that is open or acknowledged."""

    id: int
    rule: str
    severity: str
    message: str


@dataclass(frozen=True, slots=True)
class AlertDiff:
    """What one assessment does to a customer's alerts: the fired alerts (`{rule, severity,
    message}`) of rules with no active alert, the active alerts whose rule fires with another
    message or severity (with what it says now), and those whose rule no longer fires."""

    opened: tuple[Mapping[str, Any], ...] = ()
    updated: tuple[tuple[ActiveAlert, Mapping[str, Any]], ...] = ()
    resolved: tuple[ActiveAlert, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.opened or self.updated or self.resolved)


def diff(active: Iterable[ActiveAlert], fired: Iterable[Mapping[str, Any]]) -> AlertDiff:
    """The changes from the `active` alerts of a customer to the alerts an assessment `fired`.
    Pure. One alert per rule: a rule's later alerts in `fired` are its first one's, and of
    several active alerts of one rule (kept from an earlier version) all but the newest are
    resolved."""
    held: dict[str, ActiveAlert] = {}
    extra: list[ActiveAlert] = []
    for stored in sorted(active, key=_id, reverse=True):
        if stored.rule in held:
            extra.append(stored)
        else:
            held[stored.rule] = stored
    seen: set[str] = set()
    opened: list[Mapping[str, Any]] = []
    updated: list[tuple[ActiveAlert, Mapping[str, Any]]] = []
    for alert in fired:
        rule = str(alert["rule"])
        if rule in seen:
            continue
        seen.add(rule)
        current = held.get(rule)
        if current is None:
            opened.append(alert)
        elif (current.message, current.severity) != (alert["message"], str(alert["severity"])):
            updated.append((current, alert))
    resolved = [a for rule, a in held.items() if rule not in seen]
    return AlertDiff(tuple(opened), tuple(updated), tuple(sorted([*resolved, *extra], key=_id)))


def _id(alert: ActiveAlert) -> int:
    return alert.id


# --- applying an assessment --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tracked:
    """What to apply for one customer's new assessment: `fired` are its result's alerts."""

    customer_id: int
    assessment_id: int
    fired: Sequence[Mapping[str, Any]]


def active_alerts(session: Session, customer_ids: Sequence[int]) -> dict[int, list[ActiveAlert]]:
    """The open and acknowledged alerts of these customers, by customer."""
    found: dict[int, list[ActiveAlert]] = {}
    if not customer_ids:
        return found
    rows = session.execute(
        sa_select(
            col(Alert.id),
            col(Alert.customer_id),
            col(Alert.rule),
            col(Alert.severity),
            col(Alert.message),
        ).where(col(Alert.customer_id).in_(customer_ids), col(Alert.status).in_(ACTIVE))
    )
    for alert_id, customer_id, rule, severity, message in rows:
        assert alert_id is not None
        found.setdefault(customer_id, []).append(ActiveAlert(alert_id, rule, severity, message))
    return found


def track(
    session: Session, items: Sequence[Tracked], *, now: datetime, new: frozenset[int] = frozenset()
) -> dict[int, list[Alert]]:
    """Apply each new assessment in `items` to its customer's alerts (customers in `new` were
    created in this transaction: they have none to read), with their events, a statement per
    kind of change. Returns the alerts opened, by customer (the caller notifies and triggers
    on them)."""
    stored = active_alerts(session, [i.customer_id for i in items if i.customer_id not in new])
    opened: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for item in items:
        found = diff(stored.get(item.customer_id, ()), item.fired)
        for alert in found.opened:
            opened.append(
                {
                    "customer_id": item.customer_id,
                    "assessment_id": item.assessment_id,
                    "rule": str(alert["rule"]),
                    "severity": str(alert["severity"]),
                    "message": str(alert["message"]),
                    "status": AlertStatus.OPEN,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        for current, alert in found.updated:
            changes.append(
                {
                    "id": current.id,
                    "assessment_id": item.assessment_id,
                    "severity": str(alert["severity"]),
                    "message": str(alert["message"]),
                    "updated_at": now,
                }
            )
            events.append(_event(current.id, AlertEventKind.UPDATED, now, item, alert))
        for current in found.resolved:
            changes.append(
                {
                    "id": current.id,
                    "status": AlertStatus.RESOLVED,
                    "resolved_at": now,
                    "updated_at": now,
                }
            )
            events.append(_event(current.id, AlertEventKind.RESOLVED, now, item, None))
    result: dict[int, list[Alert]] = {}
    if opened:
        ids = insert_rows_returning_ids(session, Alert, opened, key=("customer_id", "rule"))
        for values, alert_id in zip(opened, ids, strict=True):
            row = Alert(id=alert_id, **values)
            result.setdefault(row.customer_id, []).append(row)
            events.append(
                {
                    "alert_id": alert_id,
                    "kind": AlertEventKind.OPENED,
                    "at": now,
                    "assessment_id": values["assessment_id"],
                    "severity": values["severity"],
                    "message": values["message"],
                }
            )
    # one statement per set of columns: an update and a resolution change different ones
    for keys in {tuple(sorted(c)) for c in changes}:
        session.execute(update(Alert), [c for c in changes if tuple(sorted(c)) == keys])
    insert_rows(session, AlertEvent, events)
    return result


def _event(
    alert_id: int,
    kind: AlertEventKind,
    now: datetime,
    item: Tracked,
    alert: Mapping[str, Any] | None,
) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "kind": kind,
        "at": now,
        "assessment_id": item.assessment_id,
        "severity": str(alert["severity"]) if alert is not None else None,
        "message": str(alert["message"]) if alert is not None else None,
    }


def track_one(
    session: Session,
    customer: Customer,
    assessment_id: int,
    fired: Sequence[Mapping[str, Any]],
    *,
    now: datetime,
    is_new: bool,
) -> list[Alert]:
    """`track` for one customer's new assessment; a critical alert opened is notified.
    Returns the alerts opened."""
    assert customer.id is not None
    item = Tracked(customer.id, assessment_id, fired)
    opened = track(session, [item], now=now, new=frozenset({customer.id} if is_new else ()))
    rows = opened.get(customer.id, [])
    for row in rows:
        if row.severity == CRITICAL:
            notifications.notify_critical_alert(session, customer, row, now=now)
    return rows


# --- reading and acknowledging -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertEventView:
    kind: str
    at: datetime
    actor: str | None
    severity: str | None
    message: str | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class AlertListItem:
    """One alert with the customer it is about (`history` only when read alone)."""

    id: int
    customer_ref: str
    customer_name: str
    department: str | None
    rule: str
    severity: str
    message: str
    status: str
    created_at: datetime
    updated_at: datetime | None
    resolved_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    comment: str | None
    history: tuple[AlertEventView, ...] = ()


def _item(
    alert: Alert, customer: Customer, history: tuple[AlertEventView, ...] = ()
) -> AlertListItem:
    assert alert.id is not None
    return AlertListItem(
        id=alert.id,
        customer_ref=customer.external_ref,
        customer_name=customer.name,
        department=customer.department,
        rule=alert.rule,
        severity=alert.severity,
        message=alert.message,
        status=alert.status,
        created_at=alert.created_at,
        updated_at=alert.updated_at,
        resolved_at=alert.resolved_at,
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=alert.acknowledged_by,
        comment=alert.comment,
        history=history,
    )


def list_alerts(
    session: Session,
    *,
    status: str | None = ACTIVE_FILTER,
    severity: str | None = None,
    department: str | None = None,
    customer_ref: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
    scope: Scope = None,
) -> Page[AlertListItem]:
    """Alerts newest first, of customers within `scope`: by `status` (`open`, `acknowledged`,
    `resolved`, `active` for both unresolved ones, None for all), severity, the customer's
    department and reference. Raises InvalidRequestError for an unknown status or severity, a
    foreign cursor or a limit below 1."""
    size = clamp_limit(limit)
    query = _within(
        select(Alert, Customer).join(Customer, col(Customer.id) == col(Alert.customer_id)), scope
    )
    if status == ACTIVE_FILTER:
        query = query.where(col(Alert.status).in_(ACTIVE))
    elif status is not None:
        if status not in tuple(AlertStatus):
            raise InvalidRequestError(
                N_("status must be one of %(allowed)s, got '%(status)s'"),
                allowed=", ".join([*AlertStatus, ACTIVE_FILTER]),
                status=status,
            )
        query = query.where(Alert.status == status)
    if severity is not None:
        if severity not in SEVERITIES:
            raise InvalidRequestError(
                N_("severity must be one of %(allowed)s, got '%(severity)s'"),
                allowed=", ".join(SEVERITIES),
                severity=severity,
            )
        query = query.where(Alert.severity == severity)
    if department is not None:
        query = query.where(Customer.department == department)
    if customer_ref is not None:
        query = query.where(Customer.external_ref == customer_ref)
    before = decode_cursor(cursor)
    if before is not None:
        query = query.where(col(Alert.id) < before)
    rows = session.exec(query.order_by(col(Alert.id).desc()).limit(size + 1)).all()
    items = tuple(_item(alert, customer) for alert, customer in rows[:size])
    next_cursor = encode_cursor(items[-1].id) if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor)


def _within(query: Any, scope: Scope) -> Any:
    """`query` (of alerts joined to their customers) limited to customers within `scope`, as
    engine.scoping.where_within limits a query of one entity."""
    if scope is None:
        return query
    return query.where(col(Customer.department).in_(sorted(scope)) if scope else false())


def _find(session: Session, alert_id: int, scope: Scope) -> tuple[Alert, Customer]:
    alert = session.get(Alert, alert_id)
    customer = session.get(Customer, alert.customer_id) if alert is not None else None
    if alert is None or customer is None or not is_within(customer.department, scope):
        raise NotFoundError(N_("there is no alert %(id)s"), id=alert_id)
    return alert, customer


def get_alert(session: Session, alert_id: int, *, scope: Scope = None) -> AlertListItem:
    """Alert `alert_id` with its history, oldest step first. Raises NotFoundError (none, or
    its customer is outside `scope`)."""
    alert, customer = _find(session, alert_id, scope)
    events = session.exec(
        select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(col(AlertEvent.id))
    )
    history = tuple(
        AlertEventView(e.kind, e.at, e.actor, e.severity, e.message, e.comment) for e in events
    )
    return _item(alert, customer, history)


def acknowledge(
    session: Session,
    alert_id: int,
    *,
    comment: str,
    actor: str,
    now: datetime,
    scope: Scope = None,
) -> AlertListItem:
    """`actor` has seen alert `alert_id` and says what is done about it (`comment`, required):
    it becomes acknowledged (until its rule stops firing), with an event and an audit row.

    Raises NotFoundError (no alert in `scope`), InvalidRequestError (no comment, or one over
    2,000 characters), ConflictError (it is resolved, or someone acknowledged it already)."""
    alert, customer = _find(session, alert_id, scope)
    text = comment.strip()
    if not text:
        raise InvalidRequestError(N_("say what is done about the alert: a comment is required"))
    if len(text) > MAX_COMMENT:
        raise InvalidRequestError(N_("the comment is over %(max)s characters"), max=MAX_COMMENT)
    if alert.status == AlertStatus.RESOLVED:
        raise ConflictError(N_("alert %(id)s is resolved: its rule no longer fires"), id=alert_id)
    done = session.execute(
        update(Alert)
        .where(col(Alert.id) == alert_id, col(Alert.status) == AlertStatus.OPEN)
        .values(
            status=AlertStatus.ACKNOWLEDGED,
            acknowledged_at=now,
            acknowledged_by=actor,
            comment=text,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(alert)
        raise ConflictError(
            N_("alert %(id)s was acknowledged by %(by)s already"),
            id=alert_id,
            by=alert.acknowledged_by or "",
        )
    session.add(
        AlertEvent(
            alert_id=alert_id,
            kind=AlertEventKind.ACKNOWLEDGED,
            at=now,
            actor=actor,
            comment=text,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="alert.acknowledged",
        entity_kind="alert",
        entity_id=alert_id,
        detail={"rule": alert.rule, "severity": alert.severity, "comment": text},
        department=customer.department,
        customer_ref=customer.external_ref,
        now=now,
    )
    session.flush()
    session.refresh(alert)
    return get_alert(session, alert_id, scope=scope)


def count_active(session: Session, *, scope: Scope = None) -> dict[str, int]:
    """How many unresolved alerts there are of each severity, within `scope` (every alert has
    its customer: without a scope, ix_alerts_status_severity alone answers, no join)."""
    query: Any = select(Alert.severity, func.count())
    if scope is not None:
        query = _within(query.join(Customer, col(Customer.id) == col(Alert.customer_id)), scope)
    query = query.where(col(Alert.status).in_(ACTIVE))
    return {severity: int(n) for severity, n in session.exec(query.group_by(Alert.severity))}


__all__ = [
    "ACTIVE_FILTER",
    "ActiveAlert",
    "AlertDiff",
    "AlertListItem",
    "Tracked",
    "acknowledge",
    "diff",
    "get_alert",
    "list_alerts",
    "track",
    "track_one",
]
