"""The outbox (engine.outbox): enqueued in the caller's transaction, delivered once by the sweep
across racing workers, retried with a back-off and given up (audited) after MAX_ATTEMPTS.

Each test registers a channel of its own in `CHANNELS`: the real ones come with the
integrations issue."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from engine import background
from engine.db import Database
from engine.models import AuditEntry
from engine.models_casework import OutboxMessage
from engine.notifications import notify
from engine.outbox import (
    CHANNELS,
    CLAIM_EXPIRY,
    Delivery,
    OutboxReport,
    Outgoing,
    claim_due_messages,
    deliver_due,
    deliver_message,
    enqueue,
    retry_delay,
)
from engine.users import add_user
from tests.engine.conftest import NOW

CHANNEL = "test-channel"


class Recorder:
    """A test channel: records each delivery; fails while `failures` is above zero."""

    def __init__(self) -> None:
        self.delivered: list[Outgoing] = []
        self.failures = 0
        self.lock = threading.Lock()

    def __call__(self, message: Outgoing) -> None:
        with self.lock:
            if self.failures > 0:
                self.failures -= 1
                raise ConnectionError("the mail server hung up")
            self.delivered.append(message)


@pytest.fixture
def channel() -> Iterator[Recorder]:
    recorder = Recorder()
    CHANNELS[CHANNEL] = recorder
    try:
        yield recorder
    finally:
        del CHANNELS[CHANNEL]


def _enqueue(database: Database, count: int = 1) -> list[int]:
    with database.transaction() as session:
        ids = []
        for number in range(count):
            message = enqueue(session, CHANNEL, {"to": f"user{number}@example.com"}, NOW)
            assert message.id is not None
            ids.append(message.id)
        return ids


def _message(database: Database, message_id: int) -> OutboxMessage:
    with database.transaction() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message


def test_a_message_is_delivered_once_and_marked_sent(database: Database, channel: Recorder) -> None:
    (message_id,) = _enqueue(database)
    assert deliver_due(database, NOW, "w1") == OutboxReport(claimed=1, sent=1, failed=0, given_up=0)
    assert [(m.id, dict(m.payload)) for m in channel.delivered] == [
        (message_id, {"to": "user0@example.com"})
    ]
    assert _message(database, message_id).sent_at == NOW
    assert deliver_due(database, NOW + timedelta(hours=1), "w1").claimed == 0


def test_a_message_enqueued_in_a_rolled_back_transaction_is_never_sent(
    database: Database, channel: Recorder
) -> None:
    with pytest.raises(RuntimeError), database.transaction() as session:
        enqueue(session, CHANNEL, {"to": "x@example.com"}, NOW)
        raise RuntimeError("the change that caused it failed")
    assert deliver_due(database, NOW, "w1").claimed == 0
    assert channel.delivered == []


def test_an_unknown_channel_or_an_oversized_payload_is_refused(database: Database) -> None:
    with (
        database.transaction() as session,
        pytest.raises(ValueError, match="unknown outbox channel 'pigeon'"),
    ):
        enqueue(session, "pigeon", {}, NOW)
    CHANNELS[CHANNEL] = Recorder()
    try:
        with database.transaction() as session, pytest.raises(ValueError, match="at most"):
            enqueue(session, CHANNEL, {"body": "x" * 300_000}, NOW)
    finally:
        del CHANNELS[CHANNEL]


def test_a_notification_can_be_sent_on_through_the_outbox(
    database: Database, channel: Recorder
) -> None:
    with database.transaction() as session:
        add_user(session, "chief", roles=("cfo",), now=NOW)
        (notification,) = notify(
            session, recipients="chief", kind="terms_changed", params={"customer": "A"}, now=NOW
        )
        enqueue(session, CHANNEL, {"to": "chief"}, NOW, notification=notification)
        notification_id = notification.id
    deliver_due(database, NOW, "w1")
    assert [m.notification_id for m in channel.delivered] == [notification_id]


def test_two_workers_racing_deliver_each_message_once(
    database: Database, channel: Recorder
) -> None:
    ids = _enqueue(database, 20)
    reports: list[OutboxReport] = []
    barrier = threading.Barrier(2)

    def run(worker: str) -> None:
        barrier.wait()
        reports.append(deliver_due(database, NOW, worker, limit=20))

    threads = [threading.Thread(target=run, args=(w,)) for w in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(m.id for m in channel.delivered) == ids
    assert sum(r.sent for r in reports) == 20


def test_a_message_claimed_by_one_worker_is_not_delivered_by_another(
    database: Database, channel: Recorder
) -> None:
    (message_id,) = _enqueue(database)
    assert claim_due_messages(database, now=NOW, worker="w1") == [message_id]
    assert deliver_due(database, NOW, "w2").claimed == 0
    assert deliver_message(database, message_id, now=NOW, worker="w2") == Delivery.SKIPPED
    assert deliver_message(database, message_id, now=NOW, worker="w1") == Delivery.SENT
    assert deliver_message(database, message_id, now=NOW, worker="w1") == Delivery.SKIPPED
    assert len(channel.delivered) == 1


def test_a_crashed_workers_claim_is_retaken_after_it_expires(
    database: Database, channel: Recorder
) -> None:
    (message_id,) = _enqueue(database)
    claim_due_messages(database, now=NOW, worker="crashed")
    assert deliver_due(database, NOW + CLAIM_EXPIRY - timedelta(seconds=1), "w2").claimed == 0
    later = NOW + CLAIM_EXPIRY + timedelta(seconds=1)
    assert deliver_due(database, later, "w2").sent == 1
    assert deliver_message(database, message_id, now=later, worker="crashed") == Delivery.SKIPPED
    assert len(channel.delivered) == 1


def test_a_failing_delivery_backs_off_and_is_given_up_after_max_attempts(
    database: Database, channel: Recorder
) -> None:
    (message_id,) = _enqueue(database)
    channel.failures = 10
    first = deliver_due(database, NOW, "w1", max_attempts=3)
    assert first == OutboxReport(claimed=1, sent=0, failed=1, given_up=0)
    message = _message(database, message_id)
    assert (message.attempts, message.claimed_by, message.due_at) == (1, None, NOW + retry_delay(1))
    assert message.last_error == "ConnectionError: the mail server hung up"
    # not due again before its back-off
    assert deliver_due(database, NOW + timedelta(seconds=30), "w1", max_attempts=3).claimed == 0
    second_at = NOW + retry_delay(1)
    assert deliver_due(database, second_at, "w1", max_attempts=3).failed == 1
    third_at = second_at + retry_delay(2)
    assert deliver_due(database, third_at, "w1", max_attempts=3) == OutboxReport(
        claimed=1, sent=0, failed=1, given_up=1
    )
    message = _message(database, message_id)
    assert (message.attempts, message.given_up_at, message.sent_at) == (3, third_at, None)
    assert deliver_due(database, third_at + timedelta(days=1), "w1").claimed == 0
    with database.transaction() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "outbox.given_up")).one()
    assert entry.entity_id == str(message_id)
    assert entry.detail["attempts"] == 3 and entry.detail["channel"] == CHANNEL


def test_a_retry_after_a_failure_delivers(database: Database, channel: Recorder) -> None:
    _enqueue(database)
    channel.failures = 1
    deliver_due(database, NOW, "w1")
    assert deliver_due(database, NOW + retry_delay(1), "w1").sent == 1
    assert len(channel.delivered) == 1


def test_the_back_off_doubles_up_to_its_bound() -> None:
    assert [retry_delay(n) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert retry_delay(50) == timedelta(hours=1)


def test_the_background_sweep_delivers_due_messages(database: Database, channel: Recorder) -> None:
    _enqueue(database, 3)
    report = background.sweep(database, now=NOW, worker="w1")
    assert report.delivered == 3
    assert len(channel.delivered) == 3
