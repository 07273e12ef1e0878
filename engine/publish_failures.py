"""A scheduled version that cannot be published when it comes due (a ruleset now reads a field
the form version removes, its mapping no longer fits the stored data): the sweep keeps trying it,
and the people who can act are told once per reason, not at every sweep.

The reason is kept in the version's meta (`publish_failed`: the code, the sentence and when), an
audit row `spec.schedule_failed` records it, and the version's publisher and the holders of
`specs:publish` get a `publish_failed` notification linking to the definition's page. A later
sweep that publishes the version clears nothing: the audit keeps the story.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlmodel import Session

from engine import audit
from engine.errors import EngineError, ReadersBlockError
from engine.models import SpecKind, SpecStatus, SpecVersion
from engine.notifications import ToPermission, notify, resolve_recipients

META_KEY: Final = "publish_failed"
PERMISSION: Final = "specs:publish"
MAX_READERS: Final = 20  # the blocking readings kept with the reason
# where each kind's versions are looked at and published by clicking
PAGES: Final = {
    SpecKind.FORM: "/forms/{key}/edit",
    SpecKind.RULESET: "/rules/{key}",
    SpecKind.WORKFLOW: "/workflows/{key}/edit",
}


def reason_of(error: EngineError) -> dict[str, Any]:
    """What a failure says: its kind, its sentence, and the positions of the readings that
    block a form version."""
    reason: dict[str, Any] = {"error": type(error).__name__, "detail": error.detail}
    if isinstance(error, ReadersBlockError):
        reason["readers"] = [d.to_dict() for d in error.diagnostics[:MAX_READERS]]
    return reason


def record_failure(session: Session, row_id: int, error: EngineError, *, now: datetime) -> bool:
    """Note that scheduled version `row_id` could not be published because of `error`; tell
    its publisher and the holders of `specs:publish` when the reason is new. Returns whether
    they were told (False: the same reason as last time, or the version is no longer
    scheduled)."""
    row = session.get(SpecVersion, row_id)
    if row is None or row.status != SpecStatus.SCHEDULED:
        return False
    reason = reason_of(error)
    previous = (row.meta or {}).get(META_KEY)
    if previous is not None and {k: previous.get(k) for k in reason} == reason:
        return False
    row.meta = {**(row.meta or {}), META_KEY: {**reason, "at": now.isoformat()}}
    session.add(row)
    audit.record(
        session,
        actor=None,
        action="spec.schedule_failed",
        entity_kind=row.kind,
        entity_id=row.key,
        detail={"version": row.version, "effective_at": row.effective_at, **reason},
        now=now,
    )
    names = set(resolve_recipients(session, ToPermission(PERMISSION), customer=None))
    if row.published_by:
        names.add(row.published_by)
    page = PAGES.get(SpecKind(row.kind))
    notify(
        session,
        recipients=sorted(names),
        kind="publish_failed",
        params={
            "kind": row.kind,
            "key": row.key,
            "version": row.version,
            "reason": error.detail,
        },
        link=page.format(key=row.key) if page else None,
        now=now,
    )
    return True
