from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from engine import audit
from engine.db import Database
from engine.models import AuditEntry

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_audit_rows_chain_and_verify(database: Database) -> None:
    for i in range(3):
        with database.transaction() as session:
            audit.record(
                session,
                actor="alice",
                action="customer.updated",
                entity_kind="customer",
                entity_id=f"C{i}",
                detail={"changed": {"tier": ["low", "high"]}, "amount": 1.5},
                now=NOW + timedelta(minutes=i),
            )
    with database.transaction() as session:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
        assert [r.entity_id for r in rows] == ["C0", "C1", "C2"]
        assert rows[1].prev_hash == rows[0].hash
        assert audit.verify_chain(session) is None


def test_tampered_audit_row_is_detected(database: Database) -> None:
    with database.transaction() as session:
        for i in range(2):
            audit.record(
                session, actor="bob", action="login", entity_kind="user", entity_id=i, now=NOW
            )
    with database.transaction() as session:
        first = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).first()
        assert first is not None
        first.actor = "mallory"
        session.add(first)
    with database.transaction() as session:
        assert audit.verify_chain(session) == 1


def test_failed_transaction_leaves_no_audit_row(database: Database) -> None:
    try:
        with database.transaction() as session:
            audit.record(session, actor="a", action="x", entity_kind="y", entity_id=1, now=NOW)
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    with database.transaction() as session:
        assert session.exec(select(AuditEntry)).all() == []
