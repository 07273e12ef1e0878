"""Many audit rows at once: the same keyed hash chain as `engine.audit.record`, with the chain
head locked and written once and the rows inserted in one statement (a rescore's chunk writes one
row per changed customer).

What each row holds and how it is chained is exactly `engine.audit.record`'s; only the number of
statements differs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from engine.audit_chain import head_mac, row_mac
from engine.bulk_insert import insert_rows
from engine.db import session_keys
from engine.models import AuditEntry, AuditHead
from engine.types import json_dumps


@dataclass(frozen=True, slots=True)
class AuditInput:
    """One row to append: the arguments of `engine.audit.record` but the session and `now`."""

    actor: str | None
    action: str
    entity_kind: str
    entity_id: str | int | None
    detail: Mapping[str, Any]
    department: str | None = None
    customer_ref: str | None = None


def record_many(session: Session, entries: Sequence[AuditInput], *, now: datetime) -> int:
    """Append `entries` to the audit chain, in order, inside the caller's transaction; returns
    how many were appended. Raises KeysError when the session has no keys."""
    if not entries:
        return 0
    key = session_keys(session).audit_key
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    last_id, last_hash = head.last_id or 0, head.last_hash
    rows: list[dict[str, Any]] = []
    for item in entries:
        last_id += 1
        row: dict[str, Any] = {
            "id": last_id,
            "at": now,
            "actor": item.actor,
            "action": item.action,
            "entity_kind": item.entity_kind,
            "entity_id": None if item.entity_id is None else str(item.entity_id),
            "department": item.department,
            "customer_ref": item.customer_ref,
            # round-tripped through JSON so the hash covers exactly what is stored
            "detail": json.loads(json_dumps(dict(item.detail))),
            "prev_hash": last_hash,
        }
        # entry_mac's fields, read off the row's values instead of a row object
        last_hash = row_mac(
            key,
            entry_id=last_id,
            prev_hash=row["prev_hash"],
            at=now,
            actor=row["actor"],
            action=row["action"],
            entity_kind=row["entity_kind"],
            entity_id=row["entity_id"],
            department=row["department"],
            customer_ref=row["customer_ref"],
            detail=row["detail"],
        )
        rows.append({**row, "hash": last_hash})
    insert_rows(session, AuditEntry, rows)
    head.last_id = last_id
    head.last_hash = last_hash
    head.row_count += len(rows)
    head.mac = head_mac(key, last_id=last_id, last_hash=last_hash, row_count=head.row_count)
    session.add(head)
    session.flush()
    return len(rows)
