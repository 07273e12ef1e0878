"""Getting around the audit log's append-only triggers, as someone with database access would.

The tests that empty the tables, and those that tamper with audit rows to prove that
`engine.audit_verify` catches it, lift the triggers for one transaction and put them back: on
SQLite by dropping and recreating them (their SQL read from `sqlite_master`), on PostgreSQL with
`ALTER TABLE ... DISABLE TRIGGER`. Either way the change is part of the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from engine.db import Database


@contextmanager
def triggers_lifted(connection: Connection) -> Iterator[None]:
    """Within the transaction of `connection`: audit_log without its append-only triggers."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        yield
        connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
        return
    triggers = connection.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        )
    ).all()
    for name, _sql in triggers:
        connection.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, sql in triggers:
        connection.execute(text(sql))


@contextmanager
def tampering(database: Database) -> Iterator[Connection]:
    """A transaction on `database` in which audit rows can be updated and deleted."""
    with database.engine.begin() as connection, triggers_lifted(connection):
        yield connection
