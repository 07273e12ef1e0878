"""Many rows of one table written with one multi-row INSERT through SQLAlchemy Core: the rows'
values are built beforehand (plain dicts, every row with the same keys), so the ORM's per-row
bookkeeping of a bulk insert (`session.execute(insert(Model), rows)`) is skipped. The rows are
not in the session afterwards; read them back if an ORM object is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, SQLModel


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def insert_rows(session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (column name → value) into `model`'s table, after what the session has
    pending (flushed first)."""
    if not rows:
        return
    session.flush()
    session.connection().execute(insert(_table(model)), list(rows))


def insert_rows_returning_ids(
    session: Session,
    model: type[SQLModel],
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
) -> list[int]:
    """`insert_rows`, returning the new rows' ids in the order of `rows`.

    `key` names columns whose values tell the rows apart: RETURNING promises no order, and the
    ordered form (`sort_by_parameter_order`) costs one statement per row on SQLite, so the ids
    come back with their key in one statement and are put in order by it. Rows whose keys
    repeat are inserted with the ordered form."""
    if not rows:
        return []
    session.flush()
    table = _table(model)
    keys = [tuple(row[name] for name in key) for row in rows]
    if len(set(keys)) < len(keys):
        ordered = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [int(i) for i in session.connection().execute(ordered, list(rows)).scalars()]
    statement = insert(table).returning(table.c.id, *(table.c[name] for name in key))
    ids = {
        tuple(found[1:]): int(found[0])
        for found in session.connection().execute(statement, list(rows))
    }
    return [ids[k] for k in keys]
