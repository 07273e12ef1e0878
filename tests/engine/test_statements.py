"""How many SQL statements an upsert and an event cost: pinned as upper bounds.

Counted with a `before_cursor_execute` listener on the engine, after a warm-up customer (the
first transaction of a process also reads the definitions' source texts once). Transaction
control (`BEGIN`) is left out: SQLite's `BEGIN IMMEDIATE` goes through the cursor, PostgreSQL's
does not. A change that adds a query to these paths fails here; one that removes queries should
lower the bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.events import EventInput, record_event
from tests.engine.conftest import HEALTHY, NOW, RISKY

# statements per unit of work (BEGIN not counted), today's counts; each includes the shadow
# runs' lookup of a live challenger (engine.shadow), one per assessment, and, for an existing
# customer, the lookup of temporary terms changes waiting for their restore_when
# (engine.terms_restore); a critical alert and an opened case look up whom to notify
# (engine.notifications); a new assessment of an existing customer reads its active alerts
# (engine.alerts: one that stopped firing is resolved, so they are read even when none fires);
# a new customer's flags are one insert into customer_flags (engine.customer_flags), a changed
# one's cost nothing while they stay what the latest assessment flagged
NEW_CUSTOMER = 15
UNCHANGED_CUSTOMER = 8
CHANGED_CUSTOMER = 17
NEW_CUSTOMER_OPENING_A_CASE = 26
EVENT = 12


@contextmanager
def counted(database: Database) -> Iterator[list[str]]:
    """The statements run on `database` inside the block, transaction control left out."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            statements.append(" ".join(statement.split()))

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", count)


def _run(database: Database, work: Callable[[Session], object]) -> list[str]:
    with counted(database) as statements, database.transaction() as session:
        work(session)
    return statements


def _upsert(ref: str, data: dict[str, Any], *, minutes: int = 0) -> Callable[[Session], object]:
    def work(session: Session) -> object:
        return upsert_customer(
            session,
            ref,
            CustomerInput(name=str(data["name"]), department="east", data=data),
            actor="api",
            now=NOW + timedelta(minutes=minutes),
            tz=UTC,
        )

    return work


def _lawsuit(ref: str) -> Callable[[Session], object]:
    def work(session: Session) -> object:
        return record_event(
            session,
            ref,
            EventInput(
                kind="lawsuit",
                occurred_at="2026-11-01",
                payload={"amount": 1000, "role": "defendant"},
            ),
            actor="api",
            now=NOW,
            tz=UTC,
        )

    return work


def _spec_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM spec_versions" in s]


def _warm(database: Database) -> None:
    _run(database, _upsert("WARM", HEALTHY))


def test_a_new_customer_costs_at_most_its_pinned_statements(workspace: Database) -> None:
    _warm(workspace)
    statements = _run(workspace, _upsert("C1", HEALTHY))
    assert len(statements) <= NEW_CUSTOMER, "\n".join(statements)
    assert len(_spec_reads(statements)) == 1, "the published set is read once per transaction"


def test_an_unchanged_upsert_writes_nothing_and_reads_little(workspace: Database) -> None:
    _warm(workspace)
    _run(workspace, _upsert("C1", HEALTHY))
    statements = _run(workspace, _upsert("C1", HEALTHY, minutes=1))
    assert len(statements) <= UNCHANGED_CUSTOMER, "\n".join(statements)
    writes = [s for s in statements if s.split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []


def test_a_changed_customer_costs_at_most_its_pinned_statements(workspace: Database) -> None:
    _warm(workspace)
    _run(workspace, _upsert("C1", HEALTHY))
    changed = {**HEALTHY, "max_overdue_days": 3}
    statements = _run(workspace, _upsert("C1", changed, minutes=1))
    assert len(statements) <= CHANGED_CUSTOMER, "\n".join(statements)
    assert len(_spec_reads(statements)) == 1


def test_a_new_customer_opening_a_case_costs_at_most_its_pinned_statements(
    workspace: Database,
) -> None:
    _warm(workspace)
    statements = _run(workspace, _upsert("C2", RISKY))
    assert any(s.startswith("INSERT INTO cases") for s in statements), "a case opens"
    assert len(statements) <= NEW_CUSTOMER_OPENING_A_CASE, "\n".join(statements)
    # the audit chain's head is locked once per transaction, however many rows it writes
    heads = [s for s in statements if s.startswith("SELECT") and "FROM audit_head" in s]
    assert len(heads) == 1


def test_an_event_costs_at_most_its_pinned_statements(workspace: Database) -> None:
    _warm(workspace)
    _run(workspace, _upsert("C1", HEALTHY))
    statements = _run(workspace, _lawsuit("C1"))
    assert any(s.startswith("INSERT INTO events") for s in statements)
    assert len(statements) <= EVENT, "\n".join(statements)
    assert len(_spec_reads(statements)) == 1
