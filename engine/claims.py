"""Claiming rows for one worker, the way timers, job chunks and schedules are claimed: in one
transaction, the candidate ids (locked `FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's
`BEGIN IMMEDIATE` already serialises writers), each then taken by a conditional update of
`claimed_by`/`claimed_at` that holds only while the row is still claimable. A claim taken or a
row finished meanwhile is left alone, so two workers never claim one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, update

from engine.db import Database


def unclaimed(table: Any, *, now: datetime, expiry: timedelta) -> ColumnElement[bool]:
    """Not claimed, or claimed longer than `expiry` ago (its worker stopped)."""
    return or_(table.claimed_by.is_(None), table.claimed_at < now - expiry)


def claim_rows(
    database: Database,
    table: Any,
    query: Select[Any],
    conditions: Sequence[ColumnElement[bool]],
    *,
    worker: str,
    now: datetime,
    limit: int,
) -> list[int]:
    """Claim for `worker` up to `limit` rows of `table` among the ids `query` selects (in its
    order), each while `conditions` still hold; returns the ids claimed."""
    with database.transaction() as session:
        if not database.is_sqlite:
            query = query.with_for_update(of=table, skip_locked=True)
        claimed: list[int] = []
        for row_id in list(session.execute(query.limit(limit)).scalars()):
            # Conditional: a claim taken meanwhile (or the row done meanwhile) is left alone.
            result = session.execute(
                update(table)
                .where(table.id == row_id, *conditions)
                .values(claimed_by=worker, claimed_at=now)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(row_id)
        return claimed
