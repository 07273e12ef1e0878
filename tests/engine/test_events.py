"""Events: appended, re-scoring the customer, idempotent under a key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from engine.db import Database
from engine.errors import ConflictError, NotFoundError
from engine.events import EventInput, record_event
from engine.models import Event
from engine.views import EventRecorded
from tests.engine.conftest import HEALTHY, NOW, upsert

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _record(
    database: Database, event: EventInput, *, key: str | None = "k-1", ref: str = "C001"
) -> EventRecorded:
    with database.transaction() as session:
        return record_event(
            session, ref, event, idempotency_key=key, actor="api", now=NOW, tz=SHANGHAI
        )


LAWSUIT = EventInput(kind="lawsuit", occurred_at="2026-11-20T10:00", payload={"amount": 50_000})


def test_an_event_is_stored_in_utc_and_the_customer_rescored(workspace: Database) -> None:
    upsert(workspace, "C001", HEALTHY)
    recorded = _record(workspace, LAWSUIT)
    assert recorded.created is True
    # a naive time is read in the workspace time zone (UTC+8) and stored in UTC
    assert recorded.event.occurred_at == datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    assert recorded.event.customer_ref == "C001"
    assert recorded.customer.ref == "C001"


def test_a_replayed_key_returns_the_original_event(workspace: Database) -> None:
    upsert(workspace, "C001", HEALTHY)
    first = _record(workspace, LAWSUIT)
    again = _record(workspace, LAWSUIT)
    assert again.created is False
    assert again.event == first.event
    with workspace.transaction() as session:
        assert len(session.exec(select(Event)).all()) == 1


def test_a_key_reused_for_another_event_is_refused(workspace: Database) -> None:
    upsert(workspace, "C001", HEALTHY)
    _record(workspace, LAWSUIT)
    other = EventInput(kind="lawsuit", occurred_at="2026-11-20T10:00", payload={"amount": 1})
    with pytest.raises(ConflictError, match="idempotency key 'k-1'"):
        _record(workspace, other)
    with workspace.transaction() as session:
        assert len(session.exec(select(Event)).all()) == 1


def test_events_without_a_key_are_all_appended(workspace: Database) -> None:
    upsert(workspace, "C001", HEALTHY)
    _record(workspace, LAWSUIT, key=None)
    _record(workspace, LAWSUIT, key=None)
    with workspace.transaction() as session:
        assert len(session.exec(select(Event)).all()) == 2


def test_an_event_for_an_unknown_customer_is_not_found(workspace: Database) -> None:
    with pytest.raises(NotFoundError):
        _record(workspace, LAWSUIT, ref="nobody")


def test_aware_times_keep_their_offset(workspace: Database) -> None:
    upsert(workspace, "C001", HEALTHY)
    moment = datetime(2026, 11, 20, 10, 0, tzinfo=UTC) - timedelta(hours=1)
    recorded = _record(workspace, EventInput(kind="lawsuit", occurred_at=moment, payload={}))
    assert recorded.event.occurred_at == moment
