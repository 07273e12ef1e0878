"""The audit log: an append-only hash chain, written in the transaction of the change it records.

Every writer locks the single `audit_head` row first (`FOR UPDATE` on PostgreSQL; SQLite's
`BEGIN IMMEDIATE` already serialises writers), so two transactions never chain onto the same head.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from engine.models import AuditEntry, AuditHead
from engine.types import json_dumps


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    body = json.dumps(
        {
            "at": entry.at.isoformat(),
            "actor": entry.actor,
            "action": entry.action,
            "entity_kind": entry.entity_kind,
            "entity_id": entry.entity_id,
            "detail": entry.detail,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(
    session: Session,
    *,
    actor: str | None,
    action: str,
    entity_kind: str,
    entity_id: str | int | None,
    detail: Mapping[str, Any] | None = None,
    now: datetime,
) -> AuditEntry:
    """Append one audit row to the chain inside the caller's transaction; returns it."""
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    # Round-trip the detail through JSON so the hash covers exactly what is stored.
    stored_detail = json.loads(json_dumps(dict(detail or {})))
    entry = AuditEntry(
        at=now,
        actor=actor,
        action=action,
        entity_kind=entity_kind,
        entity_id=None if entity_id is None else str(entity_id),
        detail=stored_detail,
        prev_hash=head.last_hash,
        hash="",
    )
    entry.hash = _digest(head.last_hash, entry)
    session.add(entry)
    session.flush()
    head.last_hash = entry.hash
    head.last_id = entry.id
    session.add(head)
    return entry


def verify_chain(session: Session) -> int | None:
    """The id of the first row whose hash does not follow from the one before; None if intact."""
    prev = "0" * 64
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
        if entry.prev_hash != prev or _digest(prev, entry) != entry.hash:
            return entry.id
        prev = entry.hash
    return None
