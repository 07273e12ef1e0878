"""The one table of schedule actions: what a template's `schedules: [{action: ...}]` may name,
and what firing it does. The bundle check, the JSON Schema of template.yaml, the sweep
(engine.schedules) and docs/templates.md read `ACTIONS`; a new action is one entry here.

An action runs inside the transaction that moves its schedule's `next_fire_at` forward, so it
happens exactly once per firing; it only queues work (a job whose chunks the sweep processes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from types import MappingProxyType
from typing import Any, Final

from sqlmodel import Session, col, select

SYSTEM_ACTOR: Final = "system"


@dataclass(frozen=True, slots=True)
class ScheduleAction:
    """One action: its name, what it does in words (docs, `riskdesk schedules`) and the function
    that carries it out, returning what the audit row of the firing records."""

    name: str
    description: str
    run: Callable[[Session, datetime, tzinfo], Mapping[str, Any]]  # session, now, workspace tz


def _rescore_all(session: Session, now: datetime, tz: tzinfo) -> Mapping[str, Any]:
    """Queue a rescore of the whole portfolio on the published ruleset, as of the day it fires in
    the workspace time zone, unless one is already queued or running (the nightly run would only
    repeat it)."""
    from engine.jobs import ACTIVE, start_job
    from engine.models import Job

    running = session.exec(
        select(Job.id).where(Job.kind == "rescore", col(Job.status).in_(ACTIVE))
    ).first()
    if running is not None:
        return {"job_id": running, "already_running": True}
    job = start_job(
        session,
        kind="rescore",
        # the date is fixed here, in the workspace zone: at 02:00 in Shanghai it is still
        # yesterday in UTC
        params={"as_of": now.astimezone(tz).date().isoformat(), "reason": "schedule"},
        actor=SYSTEM_ACTOR,
        now=now,
    )
    return {"job_id": job.id}


def _start_reviews(session: Session, now: datetime, tz: tzinfo) -> Mapping[str, Any]:
    """Queue a review run (engine.reviews) for the customers whose `next_review_at` has come by
    the day it fires in the workspace time zone, unless one is already queued or running (it
    reviews them)."""
    from engine.jobs import ACTIVE
    from engine.models import Job
    from engine.reviews import KIND, start_reviews

    running = session.exec(
        select(Job.id).where(Job.kind == KIND, col(Job.status).in_(ACTIVE))
    ).first()
    if running is not None:
        return {"job_id": running, "already_running": True}
    job = start_reviews(session, actor=SYSTEM_ACTOR, now=now, tz=tz)
    return {"job_id": job.id, "due": job.params["due"]}


ACTIONS: Final[Mapping[str, ScheduleAction]] = MappingProxyType(
    {
        action.name: action
        for action in (
            ScheduleAction(
                "rescore_all",
                "rescore every customer on the published ruleset (as of the day it fires)",
                _rescore_all,
            ),
            ScheduleAction(
                "start_reviews",
                "start the review_due workflows of every customer whose next_review_at has come "
                "(by the day it fires)",
                _start_reviews,
            ),
        )
    }
)
ACTION_NAMES: Final[tuple[str, ...]] = tuple(sorted(ACTIONS))
