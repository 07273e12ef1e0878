"""The keyed hashes of the audit chain: HMAC-SHA256 under the instance's audit key (engine.keys).

A row's hash covers its id, its content and the previous row's hash; the head's covers where the
chain ends and how many rows it holds. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from engine.models import AuditEntry

GENESIS = "0" * 64


def _canonical(value: Mapping[str, Any]) -> bytes:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode()


def row_mac(
    key: bytes,
    *,
    entry_id: int,
    prev_hash: str,
    at: datetime,
    actor: str | None,
    action: str,
    entity_kind: str,
    entity_id: str | None,
    department: str | None,
    customer_ref: str | None,
    detail: Mapping[str, Any],
) -> str:
    """The keyed hash of one audit row: HMAC-SHA256 over its id, content and predecessor."""
    body = _canonical(
        {
            "id": entry_id,
            "prev_hash": prev_hash,
            "at": at.astimezone(UTC).isoformat(),
            "actor": actor,
            "action": action,
            "entity_kind": entity_kind,
            "entity_id": entity_id,
            "department": department,
            "customer_ref": customer_ref,
            "detail": detail,
        }
    )
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def entry_mac(key: bytes, entry: AuditEntry) -> str:
    """`row_mac` of a stored row."""
    assert entry.id is not None
    return row_mac(
        key,
        entry_id=entry.id,
        prev_hash=entry.prev_hash,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        entity_kind=entry.entity_kind,
        entity_id=entry.entity_id,
        department=entry.department,
        customer_ref=entry.customer_ref,
        detail=entry.detail,
    )


def head_mac(key: bytes, *, last_id: int | None, last_hash: str, row_count: int) -> str:
    """The keyed hash of the chain's head: where the chain ends and how many rows it holds."""
    body = _canonical({"head": 1, "last_id": last_id, "last_hash": last_hash, "rows": row_count})
    return hmac.new(key, body, hashlib.sha256).hexdigest()
