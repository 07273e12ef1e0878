"""Cron schedules of templates as rows: written by the template import, fired by the background
sweep once across processes, listed for admins (DESIGN.md, "Timers live in the database").

A `Schedule` row holds its cron text, time zone and `next_fire_at` (engine.cron, a pure function
of those and a moment). The sweep claims due rows like timers (engine.timers): a conditional
update (and `FOR UPDATE SKIP LOCKED` on PostgreSQL) gives each to one worker; firing runs the
action (engine.schedule_actions) and moves `next_fire_at` past `now` in one transaction. A server
that was down over several slots fires once when it comes back, not once per missed slot.
A firing that fails is released with `attempts + 1` and its `last_error`, retried by the next
sweeps, and after MAX_ATTEMPTS that occurrence is skipped (audited) and the next one awaited.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import ColumnElement, update
from sqlmodel import Session, col, select

from engine import audit
from engine.bundle_types import ScheduleDef
from engine.claims import claim_rows, unclaimed
from engine.cron import next_fire_at
from engine.db import Database
from engine.models import Schedule
from engine.schedule_actions import ACTIONS, SYSTEM_ACTOR

log = logging.getLogger(__name__)

CLAIM_EXPIRY = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BATCH_SIZE = 20


@dataclass(frozen=True, slots=True)
class ScheduleView:
    """A schedule as listed: which template it came from and when it fires."""

    template_key: str
    id: str
    cron: str
    action: str
    timezone: str
    is_active: bool
    next_fire_at: datetime
    last_fired_at: datetime | None
    attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class SchedulesReport:
    """What one pass over the due schedules did."""

    claimed: int
    fired: int
    failed: int


# --- the template import ---------------------------------------------------------------------


def sync_schedules(
    session: Session,
    template_key: str,
    schedules: Iterable[ScheduleDef],
    *,
    timezone: str,
    actor: str | None,
    now: datetime,
) -> None:
    """Make the schedules of template `template_key` those of its imported bundle, inside the
    caller's transaction: new ones are added, changed ones (cron, action, time zone) updated with
    a new `next_fire_at`, removed ones deactivated, unchanged ones kept as they are (their
    `next_fire_at` too). `timezone` is the workspace's, for schedules that name none. Every
    change is audited (`schedule.added`, `.changed`, `.removed`)."""
    wanted = {s.id: s for s in schedules}
    stored = {
        row.schedule_id: row
        for row in session.exec(select(Schedule).where(Schedule.template_key == template_key))
    }
    for schedule_id, definition in wanted.items():
        zone = definition.timezone or timezone
        row = stored.get(schedule_id)
        shape = (definition.cron, definition.action, zone)
        if row is not None and row.is_active and (row.cron, row.action, row.timezone) == shape:
            continue
        action = "schedule.added" if row is None or not row.is_active else "schedule.changed"
        if row is None:
            row = Schedule(
                template_key=template_key,
                schedule_id=schedule_id,
                cron=definition.cron,
                action=definition.action,
                created_at=now,
            )
        row.cron, row.action, row.timezone = shape
        row.is_active = True
        row.next_fire_at = next_fire_at(definition.cron, timezone=zone, after=now)
        row.claimed_by = row.claimed_at = None
        row.attempts = 0
        row.last_error = None
        session.add(row)
        _audit(session, row, action, actor=actor, now=now)
    for schedule_id, row in stored.items():
        if schedule_id not in wanted and row.is_active:
            row.is_active = False
            row.claimed_by = row.claimed_at = None
            session.add(row)
            _audit(session, row, "schedule.removed", actor=actor, now=now)
    session.flush()


def _audit(
    session: Session,
    row: Schedule,
    action: str,
    *,
    actor: str | None,
    now: datetime,
    **detail: object,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_kind="schedule",
        entity_id=f"{row.template_key}/{row.schedule_id}",
        detail={
            "cron": row.cron,
            "action": row.action,
            "timezone": row.timezone,
            "next_fire_at": row.next_fire_at.isoformat() if row.is_active else None,
            **detail,
        },
        now=now,
    )


# --- the sweep -------------------------------------------------------------------------------


def _claimable(now: datetime, expiry: timedelta) -> list[ColumnElement[bool]]:
    return [
        col(Schedule.is_active).is_(True),
        col(Schedule.next_fire_at) <= now,
        unclaimed(Schedule, now=now, expiry=expiry),
    ]


def claim_due_schedules(
    database: Database,
    *,
    now: datetime,
    worker: str,
    claim_expiry: timedelta = CLAIM_EXPIRY,
    limit: int = BATCH_SIZE,
) -> list[int]:
    """Claim up to `limit` active schedules due at `now` for `worker`; returns their row ids.

    A claim older than `claim_expiry` (its worker stopped) may be taken again."""
    conditions = _claimable(now, claim_expiry)
    query = (
        select(Schedule.id)
        .where(*conditions)
        .order_by(col(Schedule.next_fire_at), col(Schedule.id))
    )
    return claim_rows(database, Schedule, query, conditions, worker=worker, now=now, limit=limit)


def fire_schedule(
    database: Database,
    row_id: int,
    *,
    now: datetime,
    worker: str,
    tz: tzinfo = UTC,
    max_attempts: int = MAX_ATTEMPTS,
) -> bool | None:
    """Fire schedule `row_id`, claimed by `worker`: run its action and move `next_fire_at` to its
    first slot after `now`, in one transaction (audited as `schedule.fired`).

    Returns True when it fired; False when there was nothing to do (not due, deactivated or
    retaken meanwhile); None when the action failed (released for a retry; after
    `max_attempts` that occurrence is skipped)."""
    try:
        with database.transaction() as session:
            row = session.exec(select(Schedule).where(Schedule.id == row_id)).one()
            due_at = row.next_fire_at
            following = next_fire_at(row.cron, timezone=row.timezone, after=now)
            # Guarded like a timer's `fired_at`: only this worker's claim on this very slot.
            moved = session.execute(
                update(Schedule)
                .where(
                    col(Schedule.id) == row_id,
                    col(Schedule.is_active).is_(True),
                    col(Schedule.claimed_by) == worker,
                    col(Schedule.next_fire_at) == due_at,
                    col(Schedule.next_fire_at) <= now,
                )
                .values(
                    next_fire_at=following,
                    last_fired_at=now,
                    claimed_by=None,
                    claimed_at=None,
                    attempts=0,
                    last_error=None,
                )
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                return False
            session.refresh(row)
            outcome = ACTIONS[row.action].run(session, now, tz)
            _audit(
                session,
                row,
                "schedule.fired",
                actor=SYSTEM_ACTOR,
                now=now,
                due_at=due_at.isoformat(),
                outcome=dict(outcome),
            )
            return True
    except Exception as exc:
        log.exception("schedule %s failed to fire", row_id)
        _record_failure(database, row_id, exc, now=now, max_attempts=max_attempts)
        return None


def _record_failure(
    database: Database, row_id: int, exc: Exception, *, now: datetime, max_attempts: int
) -> None:
    error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    with database.transaction() as session:
        row = session.get(Schedule, row_id)
        if row is None or not row.is_active:
            return
        row.attempts += 1
        row.last_error = error
        row.claimed_by = None
        row.claimed_at = None
        skipped = row.attempts >= max_attempts
        if skipped:
            due_at = row.next_fire_at
            try:
                row.next_fire_at = next_fire_at(row.cron, timezone=row.timezone, after=now)
            except ValueError:
                row.is_active = False  # its cron cannot be read any more: stop trying
            row.attempts = 0
        session.add(row)
        if skipped:
            _audit(
                session,
                row,
                "schedule.skipped",
                actor=SYSTEM_ACTOR,
                now=now,
                due_at=due_at.isoformat(),
                attempts=max_attempts,
                error=error,
            )


def sweep_schedules(
    database: Database,
    *,
    now: datetime,
    worker: str,
    tz: tzinfo = UTC,
    claim_expiry: timedelta = CLAIM_EXPIRY,
    max_attempts: int = MAX_ATTEMPTS,
    limit: int = BATCH_SIZE,
) -> SchedulesReport:
    """Claim the schedules due at `now` and fire each once; safe from several processes.

    `tz` is the workspace time zone, handed to the actions (a rescore's as-of date)."""
    claimed = claim_due_schedules(
        database, now=now, worker=worker, claim_expiry=claim_expiry, limit=limit
    )
    fired = failed = 0
    for row_id in claimed:
        outcome = fire_schedule(
            database, row_id, now=now, worker=worker, tz=tz, max_attempts=max_attempts
        )
        if outcome is True:
            fired += 1
        elif outcome is None:
            failed += 1
    return SchedulesReport(claimed=len(claimed), fired=fired, failed=failed)


# --- listing ---------------------------------------------------------------------------------


def list_schedules(session: Session, *, include_inactive: bool = False) -> tuple[ScheduleView, ...]:
    """The schedules, active ones only unless `include_inactive`, by template and id."""
    query = select(Schedule)
    if not include_inactive:
        query = query.where(col(Schedule.is_active).is_(True))
    rows = session.exec(query.order_by(col(Schedule.template_key), col(Schedule.schedule_id)))
    return tuple(
        ScheduleView(
            template_key=row.template_key,
            id=row.schedule_id,
            cron=row.cron,
            action=row.action,
            timezone=row.timezone,
            is_active=row.is_active,
            next_fire_at=row.next_fire_at,
            last_fired_at=row.last_fired_at,
            attempts=row.attempts,
            last_error=row.last_error,
        )
        for row in rows
    )
