"""Verifying the audit trail: walk the keyed chain in id order, in batches, and check the head.

Reports the first break in the chain's order, saying which kind it is:
- `changed`: a row whose keyed hash does not match its content, or which does not follow its
  predecessor;
- `inserted`: a row that is not part of the chain (past the head's last row, or before its
  first);
- `removed`: rows missing from the chain (ids are the rows' places, so a gap is a removal; a chain
  that ends before the head's last row lost its newest rows);
- `head mismatch`: the head row was altered (its own keyed hash fails) or does not name the end
  of the chain.
Read-only. Rows appended by writers while the walk runs are told apart from inserted ones by
reading the head again once the walk has seen them.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Row, Table
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from engine.audit_chain import GENESIS, head_mac, row_mac
from engine.db import session_keys
from engine.models import AuditEntry, AuditHead, metadata

BreakKind = Literal["changed", "removed", "inserted", "head mismatch"]
BATCH_SIZE = 1000

_LOG: Table = metadata.tables["audit_log"]


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first place where the audit chain is not what was written."""

    kind: BreakKind
    row_id: int | None  # the row changed or inserted; the first row removed; the head's last row
    message: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What a walk of the chain found: the rows that verified and the first break, if any."""

    rows: int
    last_id: int | None
    last_hash: str
    problem: ChainBreak | None

    @property
    def is_intact(self) -> bool:
        return self.problem is None

    @property
    def summary(self) -> str:
        """One line: "N rows, chain intact" or "row 7 changed: ..."."""
        if self.problem is None:
            return f"{self.rows} rows, chain intact"
        return self.problem.message


@dataclass(frozen=True, slots=True)
class _Head:
    last_id: int | None
    last_hash: str
    row_count: int
    is_sealed: bool  # its keyed hash verifies (or it is the untouched genesis head)


def _read_head(session: Session, key: bytes) -> _Head | None:
    row = session.exec(
        select(AuditHead.last_id, AuditHead.last_hash, AuditHead.row_count, AuditHead.mac).where(
            AuditHead.id == 1
        )
    ).first()
    if row is None:
        return None
    last_id, last_hash, row_count, mac = row
    if mac is None:
        sealed = last_id is None and row_count == 0 and last_hash == GENESIS
    else:
        expected = head_mac(key, last_id=last_id, last_hash=last_hash, row_count=row_count)
        sealed = hmac.compare_digest(expected, mac)
    return _Head(last_id, last_hash, row_count, sealed)


def _rows(session: Session, *, up_to: int | None, batch_size: int) -> Iterator[Row[Any]]:
    """Every audit row in id order (up to id `up_to` when given), `batch_size` at a time; plain
    rows, so the session keeps none of them."""
    after: int | None = None
    while True:
        query = sa_select(_LOG)
        if after is not None:
            query = query.where(_LOG.c.id > after)
        if up_to is not None:
            query = query.where(_LOG.c.id <= up_to)
        batch = session.execute(query.order_by(_LOG.c.id).limit(batch_size)).all()
        yield from batch
        if len(batch) < batch_size:
            return
        after = batch[-1].id


def _is_genuine(key: bytes, row: Row[Any]) -> bool:
    try:
        expected = row_mac(
            key,
            entry_id=row.id,
            prev_hash=row.prev_hash,
            at=row.at,
            actor=row.actor,
            action=row.action,
            entity_kind=row.entity_kind,
            entity_id=row.entity_id,
            department=row.department,
            customer_ref=row.customer_ref,
            detail=row.detail,
        )
    except (TypeError, ValueError):  # content no writer produces (NaN, a non-mapping detail)
        return False
    return isinstance(row.hash, str) and hmac.compare_digest(expected, row.hash)


def _removed(first: int, last: int, *, before: str) -> ChainBreak:
    what = f"row {first}" if first == last else f"rows {first}-{last}"
    return ChainBreak("removed", first, f"{what} removed ({before})")


def verify_trail(session: Session, *, batch_size: int = BATCH_SIZE) -> ChainReport:
    """Walk the audit chain and check its head; returns what it found (never raises for what
    is stored). Raises KeysError when the session was opened without the instance's keys."""
    key = session_keys(session).audit_key
    head = _read_head(session, key)
    if head is None:
        return ChainReport(0, None, GENESIS, ChainBreak("head mismatch", None, "the head is gone"))
    # A sealed head bounds the walk: rows past it are checked below, against a fresh read.
    up_to = head.last_id if head.is_sealed else None
    prev_hash, last_id, rows = GENESIS, 0, 0

    def report(problem: ChainBreak | None) -> ChainReport:
        return ChainReport(rows, last_id or None, prev_hash, problem)

    for row in _rows(session, up_to=up_to, batch_size=batch_size):
        if row.id <= last_id:  # in id order, only an id below 1 comes before the first row
            return report(
                ChainBreak("inserted", row.id, f"row {row.id} inserted: before the chain's start")
            )
        if row.id != last_id + 1:
            return report(_removed(last_id + 1, row.id - 1, before=f"before row {row.id}"))
        if not _is_genuine(key, row) or row.prev_hash != prev_hash:
            return report(_changed(row.id))
        prev_hash, last_id, rows = row.hash, row.id, rows + 1
    return report(_check_head(session, head, last_id=last_id, last_hash=prev_hash, rows=rows))


def _changed(entry_id: int) -> ChainBreak:
    return ChainBreak(
        "changed", entry_id, f"row {entry_id} changed: its hash does not match its content"
    )


def _check_head(
    session: Session, head: _Head, *, last_id: int, last_hash: str, rows: int
) -> ChainBreak | None:
    if not head.is_sealed:
        return ChainBreak("head mismatch", head.last_id, "head mismatch: the head row was altered")
    named = head.last_id or 0
    if last_id < named:
        return _removed(last_id + 1, named, before=f"the chain ends at row {last_id}")
    if last_hash != head.last_hash or rows != head.row_count:
        return ChainBreak(
            "head mismatch",
            head.last_id,
            f"head mismatch: the head names row {named} of {head.row_count} rows, "
            f"the chain ends at row {last_id} of {rows}",
        )
    beyond = session.exec(select(func.min(AuditEntry.id)).where(col(AuditEntry.id) > named)).one()
    if beyond is None:
        return None
    # A writer appends a row and moves the head in one transaction: a row past the head read
    # now is not in the chain.
    now_last = session.exec(select(AuditHead.last_id).where(AuditHead.id == 1)).first()
    if now_last is None or beyond > now_last:
        return ChainBreak(
            "inserted", beyond, f"row {beyond} inserted: past the head's last row {named}"
        )
    return None


def verify_chain(session: Session) -> ChainBreak | None:
    """The first break in the audit chain; None when it is intact (see `verify_trail`)."""
    return verify_trail(session).problem
