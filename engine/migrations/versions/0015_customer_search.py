"""customer search: an index that serves the customer list's search, a part of the name or
reference in any case (issue 12)

PostgreSQL: the `pg_trgm` extension (trusted since PostgreSQL 13: the database's owner, or a user
with CREATE on the database, may create it) and a GIN trigram index on each expression the search
reads, `lower(name)` and `lower(external_ref)`; `lower(...) LIKE '%…%'` uses them as it is.

SQLite: `customer_search`, an FTS5 table with the trigram tokenizer over `name` and
`external_ref`, external content on `customers` (it stores no text of its own, only the index),
kept in step by three triggers on `customers` and rebuilt here for the customers already stored.
engine.customer_query reads it for a search of three characters or more.

The triggers are on `customers`: a later migration that rebuilds that table on SQLite (a batch
operation that copies it, as a column drop or type change does) drops them and must create them
again, then rebuild the index (`INSERT INTO customer_search(customer_search) VALUES ('rebuild')`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_INDEXES = (
    ("ix_customers_name_trgm", "name"),
    ("ix_customers_external_ref_trgm", "external_ref"),
)
_SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE customer_search USING fts5("
    "name, external_ref, content='customers', content_rowid='id', tokenize='trigram')"
)
# a changed row leaves the index as a 'delete' of the values it was indexed with (external
# content: FTS5 cannot read them back once the row has changed)
_INDEX_NEW = (
    "INSERT INTO customer_search(rowid, name, external_ref)"
    " VALUES (new.id, new.name, new.external_ref);"
)
_FORGET_OLD = (
    "INSERT INTO customer_search(customer_search, rowid, name, external_ref)"
    " VALUES ('delete', old.id, old.name, old.external_ref);"
)
_SQLITE_TRIGGERS = (
    ("customers_search_insert", "AFTER INSERT ON customers", _INDEX_NEW),
    ("customers_search_update", "AFTER UPDATE OF name, external_ref ON customers",
     _FORGET_OLD + " " + _INDEX_NEW),
    ("customers_search_delete", "AFTER DELETE ON customers", _FORGET_OLD),
)  # fmt: skip


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, column in _PG_INDEXES:
            op.execute(f"CREATE INDEX {name} ON customers USING gin (lower({column}) gin_trgm_ops)")
        return
    op.execute(_SQLITE_TABLE)
    for name, when, body in _SQLITE_TRIGGERS:
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    op.execute("INSERT INTO customer_search(customer_search) VALUES ('rebuild')")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name, _ in reversed(_PG_INDEXES):
            op.execute(f"DROP INDEX {name}")
        _drop_pg_trgm(bind)
        return
    for name, _, _ in reversed(_SQLITE_TRIGGERS):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE customer_search")  # and FTS5's shadow tables with it


def _drop_pg_trgm(bind: sa.Connection) -> None:
    """Drop `pg_trgm` unless something besides this revision's indexes still uses it (the
    drop then fails and is undone alone, leaving the extension to its other users)."""
    try:
        with bind.begin_nested():
            bind.execute(sa.text("DROP EXTENSION IF EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        pass
