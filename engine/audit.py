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

from sqlmodel import Session, select

from engine.audit_chain import GENESIS, entry_mac, head_mac
from engine.audit_verify import ChainBreak, ChainReport, verify_chain, verify_trail
from engine.db import session_keys
from engine.models import AuditEntry, AuditHead
from engine.types import json_dumps


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
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
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
    session.add(entry)
    session.flush()
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
