"""The flags of each customer's latest assessment as rows of `customer_flags` (customer, flag):
the one writer of that table, which the customer list's flag filter reads
(engine.customer_query: `id IN (SELECT customer_id FROM customer_flags WHERE flag = ?)`, an
index range and an index count at any portfolio size).

Every path that stores a customer's assessment calls `write_customer_flags` in the same
transaction: engine.evaluation (one customer), engine.rescore_bulk (the changed customers of a
range) and engine.customer_import (a batch of new customers), with a statement or two for
however many customers. A customer's deletion takes its rows with it (the foreign key cascades).

The table is the only copy of the flags kept for the list. Before migration 0014 they were also
a text on the customer (",a,b,", filtered with LIKE, which made every count read every
customer); nothing showed that text, so it was dropped rather than kept in step: the customer
page and the API show an assessment's flags from the assessment itself (`result["flags"]`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from sqlalchemy import bindparam, delete, insert, select
from sqlmodel import Session

from engine.models import metadata

# customers whose current rows are read per statement (a bound parameter each)
_READ_BATCH: Final = 500


def write_customer_flags(
    session: Session,
    flags: Mapping[int, Iterable[str]],
    *,
    are_new: bool = False,
    latest: Mapping[int, Iterable[str] | None] | None = None,
) -> None:
    """Make `customer_flags` hold exactly `flags[id]` (each name once) for every customer id
    of `flags`, leaving other customers' rows alone: a flag lost is deleted, a flag gained
    inserted, one executemany each. `are_new`: the customers were inserted in this
    transaction and hold no rows yet (nothing is read or deleted). `latest`: the flags of a
    customer's latest stored assessment, which the table holds (every writer keeps it so):
    they are not read, and a customer flagged as before costs nothing."""
    table = metadata.tables["customer_flags"]
    wanted = {customer_id: set(names) for customer_id, names in flags.items()}
    held: dict[int, set[str]] = {customer_id: set() for customer_id in wanted}
    for customer_id, names in (latest or {}).items():
        if customer_id in held and names is not None:
            held[customer_id] = set(names)
    connection = session.connection()
    if not are_new:
        ids = [i for i in wanted if latest is None or latest.get(i) is None]
        for start in range(0, len(ids), _READ_BATCH):
            rows = connection.execute(
                select(table.c.customer_id, table.c.flag).where(
                    table.c.customer_id.in_(ids[start : start + _READ_BATCH])
                )
            )
            for customer_id, flag in rows:
                held[customer_id].add(flag)
    lost = [
        {"b_customer": customer_id, "b_flag": flag}
        for customer_id, names in held.items()
        for flag in sorted(names - wanted[customer_id])
    ]
    gained = [
        {"customer_id": customer_id, "flag": flag}
        for customer_id, names in wanted.items()
        for flag in sorted(names - held[customer_id])
    ]
    if lost:
        connection.execute(
            delete(table).where(
                table.c.customer_id == bindparam("b_customer"), table.c.flag == bindparam("b_flag")
            ),
            lost,
        )
    if gained:
        connection.execute(insert(table), gained)
