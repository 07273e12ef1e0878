"""The audit chain: keyed, append-only in the database, verified row by row and at its head.

The tampering tests act as someone with database access but without the instance's audit key:
they lift the append-only triggers (tests.audit_triggers), change rows, and expect verify to
name the first row changed, removed or inserted.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from engine import audit
from engine.db import Database
from engine.keys import KeysError
from engine.models import AuditEntry
from tests.audit_triggers import tampering

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _write(database: Database, count: int, *, start: int = 0) -> None:
    for i in range(start, start + count):
        with database.transaction() as session:
            audit.record(
                session,
                actor="alice",
                action="customer.updated",
                entity_kind="customer",
                entity_id=f"C{i}",
                detail={"changed": {"tier": ["low", "high"]}, "amount": 1.5},
                department="east",
                customer_ref=f"C{i}",
                now=NOW + timedelta(minutes=i),
            )


def _report(database: Database, *, batch_size: int = 1000) -> audit.ChainReport:
    with database.transaction() as session:
        return audit.verify_trail(session, batch_size=batch_size)


def test_audit_rows_chain_and_verify(database: Database) -> None:
    _write(database, 3)
    with database.transaction() as session:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
        assert [r.id for r in rows] == [1, 2, 3]
        assert [r.entity_id for r in rows] == ["C0", "C1", "C2"]
        assert rows[0].prev_hash == audit.GENESIS
        assert rows[1].prev_hash == rows[0].hash
        assert audit.verify_chain(session) is None
    report = _report(database)
    assert (report.rows, report.last_id, report.is_intact) == (3, 3, True)
    assert report.summary == "3 rows, chain intact"


def test_empty_chain_is_intact(database: Database) -> None:
    report = _report(database)
    assert (report.rows, report.summary) == (0, "0 rows, chain intact")


def test_record_stores_the_customers_department_and_reference(database: Database) -> None:
    _write(database, 1)
    with database.transaction() as session:
        entry = session.exec(select(AuditEntry)).one()
        assert (entry.department, entry.customer_ref) == ("east", "C0")


def test_chain_is_walked_in_batches(database: Database) -> None:
    _write(database, 7)
    assert _report(database, batch_size=2).summary == "7 rows, chain intact"
    with tampering(database) as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 6"))
    problem = _report(database, batch_size=2).problem
    assert problem == audit.ChainBreak(
        "changed", 6, "row 6 changed: its hash does not match its content"
    )


def test_database_refuses_update_and_delete_of_audit_rows(database: Database) -> None:
    _write(database, 2)
    for statement in (
        "UPDATE audit_log SET actor = 'mallory' WHERE id = 1",
        "DELETE FROM audit_log WHERE id = 2",
    ):
        with (
            pytest.raises(DBAPIError, match="audit_log is append-only"),
            database.engine.begin() as connection,
        ):
            connection.execute(text(statement))
    assert _report(database).summary == "2 rows, chain intact"


def test_edited_row_is_reported_changed(database: Database) -> None:
    _write(database, 3)
    with tampering(database) as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 2"))
    problem = _report(database).problem
    assert problem is not None
    assert (problem.kind, problem.row_id) == ("changed", 2)


def _unkeyed_digest(prev_hash: str, row: AuditEntry) -> str:
    """The chain's hash before it was keyed: SHA-256 anyone can recompute."""
    body = json.dumps(
        {
            "at": row.at.isoformat(),
            "actor": row.actor,
            "action": row.action,
            "entity_kind": row.entity_kind,
            "entity_id": row.entity_id,
            "detail": row.detail,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def test_rewritten_row_with_recomputed_hashes_is_caught(database: Database) -> None:
    # Defect 14: with an unkeyed chain, rewriting a row and recomputing every later hash (and
    # the head) went unnoticed.
    _write(database, 4)
    with database.transaction() as session:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
        session.expunge_all()
    rows[1].actor = "mallory"
    prev = audit.GENESIS
    with tampering(database) as connection:
        for row in rows:
            new_hash = _unkeyed_digest(prev, row)
            connection.execute(
                text(
                    "UPDATE audit_log SET actor = :actor, prev_hash = :prev, hash = :hash "
                    "WHERE id = :id"
                ),
                {"actor": row.actor, "prev": prev, "hash": new_hash, "id": row.id},
            )
            prev = new_hash
        connection.execute(text("UPDATE audit_head SET last_hash = :hash"), {"hash": prev})
    problem = _report(database).problem
    assert problem is not None
    assert (problem.kind, problem.row_id) == ("changed", 1)


def test_deleted_tail_is_reported_removed(database: Database) -> None:
    # Defect 14: deleting the newest rows was not detected (the head was never checked).
    _write(database, 5)
    with tampering(database) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id >= 4"))
    problem = _report(database).problem
    assert problem == audit.ChainBreak("removed", 4, "rows 4-5 removed (the chain ends at row 3)")


def test_head_moved_back_over_a_deleted_tail_is_a_head_mismatch(database: Database) -> None:
    _write(database, 5)
    with database.transaction() as session:
        third = session.exec(select(AuditEntry).where(AuditEntry.id == 3)).one()
        third_hash = third.hash
    with tampering(database) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id >= 4"))
        connection.execute(
            text("UPDATE audit_head SET last_hash = :hash, last_id = 3, row_count = 3"),
            {"hash": third_hash},
        )
    problem = _report(database).problem
    assert problem is not None
    assert (problem.kind, problem.message) == (
        "head mismatch",
        "head mismatch: the head row was altered",
    )


def test_deleted_middle_row_is_reported_removed(database: Database) -> None:
    _write(database, 4)
    with tampering(database) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE id = 2"))
    problem = _report(database).problem
    assert problem == audit.ChainBreak("removed", 2, "row 2 removed (before row 3)")


def _forge(database: Database, row_id: int, prev_hash: str) -> None:
    with tampering(database) as connection:
        connection.execute(
            text(
                "INSERT INTO audit_log (id, at, actor, action, entity_kind, entity_id, detail, "
                "prev_hash, hash) VALUES (:id, :at, 'mallory', 'terms.changed', 'customer', "
                "'C0', '{}', :prev, :hash)"
            ),
            {
                "id": row_id,
                "at": NOW.replace(tzinfo=None) if database.is_sqlite else NOW,
                "prev": prev_hash,
                "hash": hashlib.sha256(f"forged{row_id}".encode()).hexdigest(),
            },
        )


def test_inserted_row_is_reported_inserted(database: Database) -> None:
    _write(database, 3)
    with database.transaction() as session:
        last = session.exec(select(AuditEntry).where(AuditEntry.id == 3)).one().hash
    _forge(database, 4, last)
    problem = _report(database).problem
    assert problem == audit.ChainBreak("inserted", 4, "row 4 inserted: past the head's last row 3")


def test_row_inserted_before_the_first_is_reported_inserted(database: Database) -> None:
    _write(database, 2)
    _forge(database, 0, audit.GENESIS)
    assert _report(database).problem == audit.ChainBreak(
        "inserted", 0, "row 0 inserted: before the chain's start"
    )


def test_verify_needs_the_instance_keys(database: Database) -> None:
    _write(database, 1)
    keyless = Database(database.url)
    try:
        with keyless.transaction() as session, pytest.raises(KeysError):
            audit.verify_trail(session)
    finally:
        keyless.dispose()


def test_failed_transaction_leaves_no_audit_row(database: Database) -> None:
    try:
        with database.transaction() as session:
            audit.record(session, actor="a", action="x", entity_kind="y", entity_id=1, now=NOW)
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    with database.transaction() as session:
        assert session.exec(select(AuditEntry)).all() == []
    assert _report(database).summary == "0 rows, chain intact"
