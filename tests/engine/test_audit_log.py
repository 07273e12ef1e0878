"""Reading the audit log: filters, department scope, keyset pages and the export stream."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from engine import audit
from engine.audit_log import AuditFilter, export_audit, list_audit, stream_audit
from engine.db import Database
from engine.errors import InvalidRequestError
from engine.models import AuditEntry
from tests.engine.conftest import HEALTHY, NOW, upsert

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

ROWS = [
    # actor, action, department, customer_ref
    ("ann", "customer.created", "east", "C1"),
    ("ann", "customer.updated", "east", "C1"),
    ("bob", "customer.created", "west", "C2"),
    ("bob", "case.opened", "west", "C2"),
    ("cy", "user.login", None, None),
    ("ann", "customer_x.odd", "east", "C3"),
]


@pytest.fixture
def trail(database: Database) -> Database:
    with database.transaction() as session:
        for i, (actor, action, department, ref) in enumerate(ROWS):
            audit.record(
                session,
                actor=actor,
                action=action,
                entity_kind="customer" if ref else "user",
                entity_id=ref or actor,
                detail={"n": i},
                department=department,
                customer_ref=ref,
                now=T0 + timedelta(hours=i),
            )
    return database


def _ids(database: Database, **filters: object) -> list[int]:
    with database.transaction() as session:
        page = list_audit(session, **filters)  # type: ignore[arg-type]
        return [entry.id for entry in page.items]


def test_rows_come_newest_first_with_every_field(trail: Database) -> None:
    with trail.transaction() as session:
        page = list_audit(session)
    assert [e.id for e in page.items] == [6, 5, 4, 3, 2, 1]
    first = page.items[-1]
    assert (first.actor, first.action, first.entity_kind, first.entity_id) == (
        "ann",
        "customer.created",
        "customer",
        "C1",
    )
    assert (first.department, first.customer_ref, first.detail, first.at) == (
        "east",
        "C1",
        {"n": 0},
        T0,
    )
    assert page.next_cursor is None


def test_filters_combine(trail: Database) -> None:
    assert _ids(trail, actor="ann") == [6, 2, 1]
    assert _ids(trail, customer_ref="C2") == [4, 3]
    assert _ids(trail, action_prefix="customer.") == [3, 2, 1]
    assert _ids(trail, actor="ann", action_prefix="customer.") == [2, 1]
    assert _ids(trail, since=T0 + timedelta(hours=2), until=T0 + timedelta(hours=4)) == [4, 3]


def test_action_prefix_is_literal_not_a_pattern(trail: Database) -> None:
    # '_' and '%' are LIKE wildcards; the filter means the characters themselves
    assert _ids(trail, action_prefix="customer_") == [6]
    assert _ids(trail, action_prefix="%") == []


def test_department_scope_shows_only_those_departments_rows(trail: Database) -> None:
    assert _ids(trail, departments=frozenset({"west"})) == [4, 3]
    assert _ids(trail, departments=frozenset({"east", "west"})) == [6, 4, 3, 2, 1]
    assert _ids(trail, departments=frozenset()) == []
    assert _ids(trail, departments=None) == [6, 5, 4, 3, 2, 1]


def test_pages_follow_the_cursor(trail: Database) -> None:
    seen: list[int] = []
    cursor = None
    with trail.transaction() as session:
        while True:
            page = list_audit(session, cursor=cursor, limit=4, departments=None)
            seen.extend(e.id for e in page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert seen == [6, 5, 4, 3, 2, 1]


def test_bad_cursor_limit_and_naive_time_are_refused(trail: Database) -> None:
    with trail.transaction() as session:
        with pytest.raises(InvalidRequestError, match="cursor"):
            list_audit(session, cursor="nonsense")
        with pytest.raises(InvalidRequestError, match="limit"):
            list_audit(session, limit=0)
        with pytest.raises(InvalidRequestError, match="time zone"):
            list_audit(session, since=datetime(2026, 1, 1))


def test_stream_reads_every_matching_row_in_batches(trail: Database) -> None:
    with trail.transaction() as session:
        streamed = [e.id for e in stream_audit(session, AuditFilter(actor="ann"), batch_size=2)]
        everything = [e.id for e in stream_audit(session, AuditFilter(), batch_size=4)]
    exported = [e.id for e in export_audit(trail, AuditFilter(actor="bob"), batch_size=1)]
    assert streamed == [6, 2, 1]
    assert everything == [6, 5, 4, 3, 2, 1]
    assert exported == [4, 3]


def test_customer_rows_carry_its_department(workspace: Database) -> None:
    upsert(workspace, "C100", HEALTHY, department="east", now=NOW)
    with workspace.transaction() as session:
        rows = session.exec(select(AuditEntry).where(AuditEntry.customer_ref == "C100")).all()
        assert {r.action for r in rows} >= {"customer.created", "assessment.tier_changed"}
        assert {r.department for r in rows} == {"east"}
        west = list_audit(session, departments=frozenset({"west"}), customer_ref="C100")
        assert west.items == ()


def test_time_beyond_the_calendar_is_refused(trail: Database) -> None:
    edge = datetime.fromisoformat("9999-12-31T23:59:59-12:00")
    with trail.transaction() as session, pytest.raises(InvalidRequestError, match="out of range"):
        list_audit(session, until=edge)
