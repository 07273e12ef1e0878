"""Reading the audit log: filtered, department-scoped, newest first, a page or a stream at a time.

Nothing here writes or deletes: audit rows are kept for good (docs/security.md, "Audit trail").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from engine.db import Database
from engine.errors import N_, InvalidRequestError
from engine.models import AuditEntry
from engine.pagination import clamp_limit, decode_cursor, encode_cursor
from engine.views import Page

STREAM_BATCH = 500


@dataclass(frozen=True, slots=True)
class AuditEntryView:
    """One audit row as readers see it."""

    id: int
    at: datetime
    actor: str | None
    action: str
    entity_kind: str
    entity_id: str | None
    department: str | None
    customer_ref: str | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which rows to read. `departments`: None for every row, else only rows of those
    departments (rows of no department, such as sign-ins, are then left out)."""

    actor: str | None = None
    customer_ref: str | None = None
    action_prefix: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    departments: frozenset[str] | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE conditions of this filter. Raises InvalidRequestError for naive times."""
        found: list[ColumnElement[bool]] = []
        if self.actor is not None:
            found.append(col(AuditEntry.actor) == self.actor)
        if self.customer_ref is not None:
            found.append(col(AuditEntry.customer_ref) == self.customer_ref)
        if self.action_prefix:
            escaped = (
                self.action_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            )
            found.append(col(AuditEntry.action).like(escaped + "%", escape="\\"))
        since, until = _utc("since", self.since), _utc("until", self.until)
        if since is not None:
            found.append(col(AuditEntry.at) >= since)
        if until is not None:
            found.append(col(AuditEntry.at) < until)
        if self.departments is not None:
            found.append(col(AuditEntry.department).in_(sorted(self.departments)))
        return found


def _utc(name: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidRequestError(N_("%(name)s needs a time zone (such as Z or +08:00)"), name=name)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidRequestError(
            N_("%(name)s '%(value)s' is out of range"), name=name, value=value.isoformat()
        ) from exc


def _view(entry: AuditEntry) -> AuditEntryView:
    assert entry.id is not None
    return AuditEntryView(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        entity_kind=entry.entity_kind,
        entity_id=entry.entity_id,
        department=entry.department,
        customer_ref=entry.customer_ref,
        detail=dict(entry.detail),
    )


def _batch(
    session: Session, where: list[ColumnElement[bool]], *, before: int | None, size: int
) -> list[AuditEntry]:
    query = select(AuditEntry)
    if before is not None:
        where = [*where, col(AuditEntry.id) < before]
    if where:
        query = query.where(and_(*where))
    return list(session.exec(query.order_by(col(AuditEntry.id).desc()).limit(size)).all())


def list_audit(
    session: Session,
    *,
    actor: str | None = None,
    customer_ref: str | None = None,
    action_prefix: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    departments: frozenset[str] | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[AuditEntryView]:
    """Audit rows matching the filters, newest first, a page at a time (`since` inclusive,
    `until` exclusive); a scoped caller (`departments`) sees only rows of those departments.

    Raises InvalidRequestError for a foreign cursor, a limit below 1 or a naive time.
    """
    where = AuditFilter(
        actor=actor,
        customer_ref=customer_ref,
        action_prefix=action_prefix,
        since=since,
        until=until,
        departments=departments,
    ).conditions()
    size = clamp_limit(limit)
    rows = _batch(session, where, before=decode_cursor(cursor), size=size + 1)
    items = tuple(_view(entry) for entry in rows[:size])
    next_cursor = encode_cursor(items[-1].id) if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor)


def stream_audit(
    session: Session, audit_filter: AuditFilter, *, batch_size: int = STREAM_BATCH
) -> Iterator[AuditEntryView]:
    """Every row matching `audit_filter`, newest first, read `batch_size` rows at a time inside
    the caller's transaction (the session holds one batch at a time). For an export a slow
    client reads, prefer `export_audit`, which holds no transaction open between batches.

    Raises InvalidRequestError for naive or out-of-range times (before the first row).
    """
    where = audit_filter.conditions()
    before: int | None = None
    while True:
        rows = _batch(session, where, before=before, size=batch_size)
        batch = [_view(entry) for entry in rows]
        for entry in rows:
            session.expunge(entry)
        yield from batch
        if len(batch) < batch_size:
            return
        before = batch[-1].id


def export_audit(
    database: Database, audit_filter: AuditFilter, *, batch_size: int = STREAM_BATCH
) -> Iterator[AuditEntryView]:
    """Like `stream_audit`, but each batch is read in a transaction of its own, so a slow
    reader never holds one open (on SQLite that would hold up every writer); rows written
    meanwhile are newer than the first batch and left out.

    Raises InvalidRequestError for naive or out-of-range times (before the first row).
    """
    where = audit_filter.conditions()
    before: int | None = None
    while True:
        with database.transaction() as session:
            batch = [_view(e) for e in _batch(session, where, before=before, size=batch_size)]
        yield from batch
        if len(batch) < batch_size:
            return
        before = batch[-1].id
