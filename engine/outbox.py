"""The outbox: messages to deliver outside the application (e-mail, outbound webhooks), written
in the transaction that caused them and delivered by the background sweep, once.

`enqueue` adds a message in the caller's transaction. `deliver_due` claims due messages exactly
as timers are claimed (engine.claims.claim_rows), then delivers each in a transaction of its own
that also marks it sent, guarded by `sent_at IS NULL AND claimed_by = <this worker>`: two workers
never deliver one message. A delivery that raises is released with `attempts + 1`, its
`last_error` and a later `due_at` (backing off); after MAX_ATTEMPTS it is given up, audited.

`CHANNELS` is the one table of channels: channel name → the function that delivers a message of
it. It is empty until the integrations issue, which adds e-mail and webhooks as one entry each.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlmodel import Session, col, select

from engine import audit
from engine.claims import claim_rows, unclaimed
from engine.db import Database
from engine.models_casework import Notification, OutboxMessage
from engine.types import json_dumps

log = logging.getLogger(__name__)

CLAIM_EXPIRY = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BATCH_SIZE = 50
# The wait before the first retry, doubled for each later one, at most MAX_RETRY_DELAY.
RETRY_DELAY = timedelta(minutes=1)
MAX_RETRY_DELAY = timedelta(hours=1)
MAX_PAYLOAD_BYTES = 256 * 1024
SYSTEM_ACTOR = "system"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message as a channel's deliver function gets it."""

    id: int
    channel: str
    payload: Mapping[str, Any]
    attempts: int  # failed attempts before this one
    notification_id: int | None


# A channel's deliver function: sends the message or raises (then it is retried).
Deliver = Callable[[Outgoing], None]

# channel → its deliver function (engine.models_casework.OutboxChannel names the planned ones)
CHANNELS: dict[str, Deliver] = {}


class Delivery(StrEnum):
    """What became of one claimed message."""

    SENT = "sent"
    SKIPPED = "skipped"  # sent, given up or retaken by another worker meanwhile
    RETRY = "retry"  # failed: released to be tried again later
    GIVEN_UP = "given_up"  # failed for the last time


@dataclass(frozen=True, slots=True)
class OutboxReport:
    """What one delivery run did: messages claimed, sent, failed (to be retried) and given up."""

    claimed: int
    sent: int
    failed: int
    given_up: int


def enqueue(
    session: Session,
    channel: str,
    payload: Mapping[str, Any],
    now: datetime,
    notification: Notification | None = None,
) -> OutboxMessage:
    """Add a message for `channel` to the outbox inside the caller's transaction, due at `now`;
    returns it. Raises ValueError for a channel CHANNELS does not hold or a payload over
    MAX_PAYLOAD_BYTES as JSON (programming errors)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown outbox channel {channel!r}; known: {sorted(CHANNELS)}")
    encoded = json_dumps(dict(payload))
    if len(encoded.encode()) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"an outbox payload is at most {MAX_PAYLOAD_BYTES} bytes as JSON")
    message = OutboxMessage(
        channel=channel,
        notification_id=notification.id if notification is not None else None,
        payload=dict(payload),
        created_at=now,
        due_at=now,
    )
    session.add(message)
    session.flush()
    return message


def _claimable(now: datetime, expiry: timedelta) -> list[ColumnElement[bool]]:
    return [
        col(OutboxMessage.sent_at).is_(None),
        col(OutboxMessage.given_up_at).is_(None),
        col(OutboxMessage.due_at) <= now,
        unclaimed(OutboxMessage, now=now, expiry=expiry),
    ]


def claim_due_messages(
    database: Database,
    *,
    now: datetime,
    worker: str,
    claim_expiry: timedelta = CLAIM_EXPIRY,
    limit: int = BATCH_SIZE,
) -> list[int]:
    """Claim up to `limit` due messages for `worker` in one transaction; returns their ids."""
    conditions = _claimable(now, claim_expiry)
    query = (
        select(OutboxMessage.id)
        .where(*conditions)
        .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
    )
    return claim_rows(
        database, OutboxMessage, query, conditions, worker=worker, now=now, limit=limit
    )


def deliver_message(
    database: Database,
    message_id: int,
    *,
    now: datetime,
    worker: str,
    max_attempts: int = MAX_ATTEMPTS,
) -> Delivery:
    """Deliver one message claimed by `worker`, in its own transaction, marking it sent there;
    returns what became of it (a failure is released for a retry, or given up after
    `max_attempts` attempts)."""
    try:
        with database.transaction() as session:
            marked = session.execute(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.id) == message_id,
                    col(OutboxMessage.sent_at).is_(None),
                    col(OutboxMessage.given_up_at).is_(None),
                    col(OutboxMessage.claimed_by) == worker,
                )
                .values(sent_at=now)
                .execution_options(synchronize_session=False)
            )
            if marked.rowcount != 1:  # type: ignore[attr-defined]
                return Delivery.SKIPPED
            message = session.get(OutboxMessage, message_id)
            assert message is not None and message.id is not None
            deliver = CHANNELS.get(message.channel)
            if deliver is None:
                raise LookupError(f"no outbox channel '{message.channel}' is installed")
            deliver(
                Outgoing(
                    id=message.id,
                    channel=message.channel,
                    payload=dict(message.payload),
                    attempts=message.attempts,
                    notification_id=message.notification_id,
                )
            )
            return Delivery.SENT
    except Exception as exc:
        log.warning("outbox message %s failed to deliver: %s", message_id, exc)
        gave_up = _record_failure(database, message_id, exc, now=now, max_attempts=max_attempts)
        return Delivery.GIVEN_UP if gave_up else Delivery.RETRY


def retry_delay(attempts: int) -> timedelta:
    """The wait before trying again after `attempts` failed attempts (1 or more)."""
    delay: timedelta = RETRY_DELAY * (2 ** min(max(attempts - 1, 0), 20))
    return min(delay, MAX_RETRY_DELAY)


def _record_failure(
    database: Database, message_id: int, exc: Exception, *, now: datetime, max_attempts: int
) -> bool:
    """Count a failed attempt; returns whether the message is given up now."""
    error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    with database.transaction() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.sent_at is not None:
            return False
        message.attempts += 1
        message.last_error = error
        message.claimed_by = None
        message.claimed_at = None
        gave_up = message.attempts >= max_attempts
        if gave_up:
            message.given_up_at = now
        else:
            message.due_at = now + retry_delay(message.attempts)
        session.add(message)
        if gave_up:
            audit.record(
                session,
                actor=SYSTEM_ACTOR,
                action="outbox.given_up",
                entity_kind="outbox",
                entity_id=message_id,
                detail={
                    "channel": message.channel,
                    "notification_id": message.notification_id,
                    "attempts": message.attempts,
                    "error": error,
                },
                now=now,
            )
        return gave_up


def deliver_due(
    database: Database,
    now: datetime,
    worker: str,
    *,
    claim_expiry: timedelta = CLAIM_EXPIRY,
    max_attempts: int = MAX_ATTEMPTS,
    limit: int = BATCH_SIZE,
) -> OutboxReport:
    """Claim up to `limit` messages due at `now` and deliver each once; safe to run from
    several processes at once."""
    claimed = claim_due_messages(
        database, now=now, worker=worker, claim_expiry=claim_expiry, limit=limit
    )
    outcomes = [
        deliver_message(database, message_id, now=now, worker=worker, max_attempts=max_attempts)
        for message_id in claimed
    ]
    return OutboxReport(
        claimed=len(claimed),
        sent=outcomes.count(Delivery.SENT),
        failed=outcomes.count(Delivery.RETRY) + outcomes.count(Delivery.GIVEN_UP),
        given_up=outcomes.count(Delivery.GIVEN_UP),
    )
