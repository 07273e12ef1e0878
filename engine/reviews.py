"""Periodic reviews: a job of kind `reviews` (engine.jobs) that starts the `review_due` workflows of
every customer whose `next_review_at` has come, a chunk of customers per transaction.

A template schedule with `action: start_reviews` queues it (engine.schedule_actions); the day it
reviews (`due`) is fixed when it is queued, in the workspace's time zone, so a run past midnight
reviews one day. Each customer whose `next_review_at` is on or before that day is a
`review_due` occurrence (engine.triggers): the workflows it fires open a case, unless the customer
already has an open case of that workflow (dedupe). So a review case is opened once, however many
sweeps or workers run; the workflow moves `next_review_at` on (`change_terms`), or the customer
is due again at the next run once the case is closed. Each chunk's work and its "done" mark commit
together: a run stopped halfway resumes with the chunks not done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Final

from sqlmodel import Session, col, select

import workflows
from engine import jobs, specs
from engine.errors import N_, InvalidRequestError
from engine.evaluation import customer_record, guard_record, latest_assessment
from engine.models import Customer, Job, JobChunk
from engine.triggers import start_workflows

KIND: Final = "reviews"


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """What reviewing a range of customers did: how many were due, and the cases opened."""

    due: int
    cases_opened: int


def review_params(params: Mapping[str, Any], *, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """`{due}` as a reviews job stores it: an ISO date, the date of `now` in `tz` when None.
    Raises InvalidRequestError for another shape."""
    unknown = sorted(set(params) - {"due"})
    if unknown:
        raise InvalidRequestError(
            N_("a review run takes due, not %(names)s"), names=", ".join(unknown)
        )
    due = params.get("due")
    if due is None:
        return {"due": now.astimezone(tz).date().isoformat()}
    try:
        return {"due": date.fromisoformat(str(due)).isoformat()}
    except ValueError as exc:
        raise InvalidRequestError(
            N_("due: expected a date as YYYY-MM-DD, found %(value)s"), value=str(due)
        ) from exc


def review_occurrence(due: date) -> workflows.Occurrence:
    """The `review_due` occurrence of a customer whose `next_review_at` is `due`."""
    return workflows.Occurrence(
        kind=workflows.TriggerKind.REVIEW_DUE,
        facts={"review": {"due": due.isoformat()}},
        reason={"trigger": "review_due", "due": due.isoformat()},
    )


def review_range(
    session: Session,
    *,
    first_id: int,
    last_id: int,
    due: date,
    actor: str | None,
    now: datetime,
    tz: tzinfo = UTC,
    published: Sequence[specs.LoadedSpec[workflows.Workflow]] | None = None,
) -> ReviewOutcome:
    """Start the `review_due` workflows of the customers with ids from `first_id` to `last_id`
    whose `next_review_at` is on or before `due`, in the caller's transaction (`tz`: the
    workspace time zone business days keep their time of day in)."""
    candidates = specs.published_workflows(session) if published is None else published
    reviewing = [w for w in candidates if w.value.trigger.on is workflows.TriggerKind.REVIEW_DUE]
    customers = session.exec(
        select(Customer)
        .where(
            col(Customer.id) >= first_id,
            col(Customer.id) <= last_id,
            col(Customer.next_review_at).is_not(None),
            col(Customer.next_review_at) <= due,
        )
        .order_by(col(Customer.id))
    ).all()
    if not reviewing:
        return ReviewOutcome(due=len(customers), cases_opened=0)
    opened = 0
    for customer in customers:
        assert customer.id is not None and customer.next_review_at is not None
        record = customer_record(session, customer, tz=tz)
        latest = latest_assessment(session, customer.id)
        guarded = (
            guard_record(record, latest) if latest is not None else {**record, "assessment": None}
        )
        started = start_workflows(
            session,
            review_occurrence(customer.next_review_at),
            customer=customer,
            record=guarded,
            actor=actor,
            now=now,
            tz=tz,
            published=reviewing,
        )
        opened += len(started.opened)
    return ReviewOutcome(due=len(customers), cases_opened=opened)


class ReviewHandler:
    """The `reviews` kind of job (engine.job_kinds.HANDLERS)."""

    def prepare_params(
        self, params: Mapping[str, Any], *, now: datetime, tz: tzinfo
    ) -> dict[str, Any]:
        """Called by engine.jobs.start_job: fix the day reviewed now, not when chunks run."""
        return review_params(params, now=now, tz=tz)

    def process(
        self, session: Session, job: Job, chunk: JobChunk, *, now: datetime, tz: tzinfo
    ) -> dict[str, Any]:
        outcome = review_range(
            session,
            first_id=chunk.first_id,
            last_id=chunk.last_id,
            due=date.fromisoformat(job.params["due"]),
            actor=jobs.SYSTEM_ACTOR,
            now=now,
            tz=tz,
        )
        return {"due": outcome.due, "cases_opened": outcome.cases_opened}

    def combine(
        self, session: Session, job: Job, shares: Sequence[Mapping[str, Any]], *, now: datetime
    ) -> dict[str, Any]:
        return {
            "due": sum(int(share.get("due", 0)) for share in shares),
            "cases_opened": sum(int(share.get("cases_opened", 0)) for share in shares),
        }


def start_reviews(
    session: Session,
    *,
    actor: str | None,
    now: datetime,
    tz: tzinfo = UTC,
    due: date | None = None,
    chunk_size: int = jobs.DEFAULT_CHUNK_SIZE,
) -> Job:
    """Queue a review run over every customer stored now (audited as `job.started`), inside the
    caller's transaction: customers whose `next_review_at` is on or before `due` (default: today
    in `tz`) get their `review_due` workflows started as the sweep processes the chunks.

    Raises InvalidRequestError for a chunk size below 1."""
    if chunk_size < 1:
        raise InvalidRequestError(N_("chunk_size must be at least 1"))
    return jobs.start_job(
        session,
        kind=KIND,
        params={"due": due.isoformat() if due is not None else None},
        actor=actor,
        now=now,
        chunk_size=chunk_size,
        tz=tz,
    )
