"""The audit log: an append-only, keyed hash chain, written in the transaction of the change it
records.

Each row's `hash` is an HMAC-SHA256, under the instance's audit key (engine.keys; kept outside the
database), of the row's content, its id and the previous row's hash; the `audit_head` row names
the chain's end (last id, last hash, row count) under an HMAC of its own. Someone who can write to
the database but does not hold the key can neither rewrite a row and recompute the later hashes
nor cut the newest rows off unnoticed (engine.audit_verify walks and checks it).

Every writer locks the single `audit_head` row first (`FOR UPDATE` on PostgreSQL; SQLite's
`BEGIN IMMEDIATE` already serialises writers), so two transactions never chain onto the same head,
and gives the new row the id after the head's: ids are the rows' places in the chain, with no gap.
Nothing in riskdesk deletes audit rows; triggers in the database refuse UPDATE and DELETE.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from engine.audit_chain import GENESIS, entry_mac, head_mac
from engine.audit_verify import ChainBreak, ChainReport, verify_chain, verify_trail
from engine.db import session_keys
from engine.models import AuditEntry, AuditHead
from engine.types import json_dumps

# session.info key: the chain head this transaction locked (held here: the session's identity
# map keeps no row it has no changes for)
_LOCKED_HEAD = "riskdesk.audit.locked_head"
_HEAD_FOR_UPDATE = select(AuditHead).where(col(AuditHead.id) == 1).with_for_update()


def _locked_head(session: Session) -> AuditHead:
    """The chain head, locked for this transaction: read with `FOR UPDATE` by the transaction's
    first audit row, then kept (the lock lasts until the transaction ends)."""
    head: AuditHead | None = session.info.get(_LOCKED_HEAD)
    if head is None:
        head = session.exec(_HEAD_FOR_UPDATE).one()
        session.info[_LOCKED_HEAD] = head
    return head


@event.listens_for(OrmSession, "after_transaction_end")
def _unlocked_at_transaction_end(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_LOCKED_HEAD, None)


def record(
    session: Session,
    *,
    actor: str | None,
    action: str,
    entity_kind: str,
    entity_id: str | int | None,
    detail: Mapping[str, Any] | None = None,
    department: str | None = None,
    customer_ref: str | None = None,
    now: datetime,
) -> AuditEntry:
    """Append one audit row to the chain inside the caller's transaction; returns it.

    `department` and `customer_ref` name the customer the row concerns (a department-scoped
    reader sees only rows of their departments). Raises KeysError when the session was opened
    without the instance's keys.
    """
    key = session_keys(session).audit_key
    head = _locked_head(session)
    # Round-trip the detail through JSON so the hash covers exactly what is stored.
    stored_detail = json.loads(json_dumps(dict(detail or {})))
    entry = AuditEntry(
        id=(head.last_id or 0) + 1,
        at=now,
        actor=actor,
        action=action,
        entity_kind=entity_kind,
        entity_id=None if entity_id is None else str(entity_id),
        department=department,
        customer_ref=customer_ref,
        detail=stored_detail,
        prev_hash=head.last_hash,
        hash="",
    )
    entry.hash = entry_mac(key, entry)
    # no flush: the id is the head's next, so the row goes in with the session's next flush
    session.add(entry)
    head.last_hash = entry.hash
    head.last_id = entry.id
    head.row_count += 1
    head.mac = head_mac(
        key, last_id=head.last_id, last_hash=head.last_hash, row_count=head.row_count
    )
    session.add(head)
    return entry


__all__ = [
    "GENESIS",
    "ChainBreak",
    "ChainReport",
    "record",
    "verify_chain",
    "verify_trail",
]
