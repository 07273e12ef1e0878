"""Jobs over the portfolio: split into chunks of customers by id range, stored as rows, claimed
and processed like timers (engine.timers), so any server process or the CLI can take a chunk, an
interrupted run resumes where it stopped, and no chunk is processed twice.

What a job does is its kind's `JobHandler` (the table in engine.job_kinds): `process` works one
chunk inside the transaction that marks it done, and returns the chunk's share of the result;
`combine` builds the job's result from every share once the last chunk is done. This module knows
no kind; it owns the rows' life: queued → running → done (or failed, or cancelled).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Protocol

from sqlalchemy import ColumnElement, func, update
from sqlmodel import Session, col, select

from engine import audit
from engine.claims import claim_rows, unclaimed
from engine.db import Database
from engine.errors import N_, NotFoundError
from engine.models import Customer, Job, JobChunk, JobStatus
from engine.types import is_row_id

log = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 1000
CLAIM_EXPIRY = timedelta(minutes=10)
MAX_ATTEMPTS = 3
SYSTEM_ACTOR = "system"
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobHandler(Protocol):
    """What one kind of job does with its chunks (engine.job_kinds holds one per kind)."""

    def process(
        self, session: Session, job: Job, chunk: JobChunk, *, now: datetime, tz: tzinfo
    ) -> dict[str, Any]:
        """Work the chunk's customers inside `session`; return its share of the result (JSON)."""
        ...

    def combine(
        self, session: Session, job: Job, shares: Sequence[Mapping[str, Any]], *, now: datetime
    ) -> dict[str, Any]:
        """The job's result from every chunk's share (in chunk order), inside the transaction
        that processed the last chunk."""
        ...


class ParamsPreparer(Protocol):
    """A handler's optional `prepare_params`: the params a new job of its kind stores."""

    def __call__(
        self, params: Mapping[str, Any], *, now: datetime, tz: tzinfo
    ) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class JobView:
    id: int
    kind: str
    status: str
    done: int
    total: int
    params: Mapping[str, Any]
    result: Mapping[str, Any] | None
    error: str | None
    created_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class JobsReport:
    """What one pass over the due chunks did."""

    claimed: int
    processed: int
    failed: int


def _ranges(session: Session, chunk_size: int) -> list[tuple[int, int, int]]:
    """(first_id, last_id, size) of consecutive runs of `chunk_size` customers, in id order."""
    numbered = select(
        col(Customer.id).label("id"),
        func.row_number().over(order_by=col(Customer.id)).label("n"),
    ).subquery()
    # `//`: SQLAlchemy's `/` is true division, which would put every customer in its own chunk
    bucket = (numbered.c.n - 1) // chunk_size
    rows = session.execute(
        select(func.min(numbered.c.id), func.max(numbered.c.id), func.count())
        .group_by(bucket)
        .order_by(func.min(numbered.c.id))
    )
    return [(int(first), int(last), int(size)) for first, last, size in rows]


def start_job(
    session: Session,
    *,
    kind: str,
    params: Mapping[str, Any],
    actor: str | None,
    now: datetime,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    tz: tzinfo = UTC,
    ranges: Sequence[tuple[int, int, int]] | None = None,
) -> Job:
    """Queue a job of `kind` over every customer stored now, in chunks of `chunk_size`, inside
    the caller's transaction (audited as `job.started`); returns the job row. A job over
    something else gives its own chunks as `ranges` (first, last, size): an import's rows.

    When the kind's handler has `prepare_params(params, *, now, tz)`, the job stores what it
    returns (a rescore fixes its `as_of` there; `tz` is the workspace's time zone). A customer
    created after the job started is not part of it (its own upsert scored it). Raises
    ValueError for a chunk size below 1, and what `prepare_params` raises.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    from engine.job_kinds import HANDLERS  # engine.job_kinds imports this module

    prepare: ParamsPreparer | None = getattr(HANDLERS.get(kind), "prepare_params", None)
    if prepare is not None:
        params = prepare(params, now=now, tz=tz)
    if ranges is None:
        ranges = _ranges(session, chunk_size)
    job = Job(
        kind=kind,
        status=JobStatus.QUEUED if ranges else JobStatus.RUNNING,
        params=dict(params),
        total=sum(size for _, _, size in ranges),
        created_by=actor,
        created_at=now,
    )
    session.add(job)
    session.flush()
    assert job.id is not None
    session.add_all(
        JobChunk(job_id=job.id, seq=seq, first_id=first, last_id=last, size=size)
        for seq, (first, last, size) in enumerate(ranges)
    )
    audit.record(
        session,
        actor=actor,
        action="job.started",
        entity_kind="job",
        entity_id=job.id,
        detail={"kind": kind, "params": job.params, "total": job.total, "chunks": len(ranges)},
        now=now,
    )
    return job


def _claimable(now: datetime, expiry: timedelta) -> list[ColumnElement[bool]]:
    return [
        col(JobChunk.done_at).is_(None),
        col(JobChunk.cancelled_at).is_(None),
        unclaimed(JobChunk, now=now, expiry=expiry),
    ]


def claim_chunks(
    database: Database,
    *,
    now: datetime,
    worker: str,
    limit: int,
    job_id: int | None = None,
    claim_expiry: timedelta = CLAIM_EXPIRY,
    kinds: Collection[str] | None = None,
) -> list[int]:
    """Claim up to `limit` chunks of active jobs (oldest job first) for `worker`; their ids.

    A chunk claimed by a worker that stopped is taken again once its claim is `claim_expiry` old.
    With `kinds`, only chunks of jobs of those kinds: a process that knows no handler for a kind
    (an older one, during an upgrade) leaves its chunks to one that does.
    """
    conditions = _claimable(now, claim_expiry)
    query = (
        select(JobChunk.id)
        .join(Job, col(Job.id) == col(JobChunk.job_id))
        .where(*conditions, col(Job.status).in_(ACTIVE))
        .order_by(col(JobChunk.job_id), col(JobChunk.seq))
    )
    if job_id is not None:
        query = query.where(col(JobChunk.job_id) == job_id)
    if kinds is not None:
        query = query.where(col(Job.kind).in_(list(kinds)))
    return claim_rows(database, JobChunk, query, conditions, worker=worker, now=now, limit=limit)


def _lock_job(session: Session, job_id: int) -> Job:
    job = session.exec(select(Job).where(Job.id == job_id).with_for_update()).one()
    session.refresh(job)
    return job


def _finish(session: Session, job: Job, handler: JobHandler, *, now: datetime) -> None:
    shares = [
        chunk.result or {}
        for chunk in session.exec(
            select(JobChunk).where(JobChunk.job_id == job.id).order_by(col(JobChunk.seq))
        )
    ]
    job.result = handler.combine(session, job, shares, now=now)
    job.status = JobStatus.DONE
    job.finished_at = now
    session.add(job)
    audit.record(
        session,
        actor=SYSTEM_ACTOR,
        action="job.finished",
        entity_kind="job",
        entity_id=job.id,
        detail={"kind": job.kind, "total": job.total, "done": job.done},
        now=now,
    )


def _remaining(session: Session, job_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(JobChunk)
        .where(
            JobChunk.job_id == job_id,
            col(JobChunk.done_at).is_(None),
            col(JobChunk.cancelled_at).is_(None),
        )
    ).one()


def run_chunk(
    database: Database,
    chunk_id: int,
    *,
    handlers: Mapping[str, JobHandler],
    now: datetime,
    worker: str,
    tz: tzinfo = UTC,
    max_attempts: int = MAX_ATTEMPTS,
) -> bool | None:
    """Process one chunk claimed by `worker` and mark it done, in one transaction; the job
    finishes (its result combined) in the transaction of its last chunk.

    Returns True when processed; False when there was nothing to do (done, cancelled or retaken
    meanwhile); None when processing failed (released for a retry; after `max_attempts` the
    whole job fails).
    """
    try:
        with database.transaction() as session:
            marked = session.execute(
                update(JobChunk)
                .where(
                    col(JobChunk.id) == chunk_id,
                    col(JobChunk.done_at).is_(None),
                    col(JobChunk.cancelled_at).is_(None),
                    col(JobChunk.claimed_by) == worker,
                )
                .values(done_at=now)
                .execution_options(synchronize_session=False)
            )
            if marked.rowcount != 1:  # type: ignore[attr-defined]
                return False
            chunk = session.get(JobChunk, chunk_id)
            assert chunk is not None
            job = session.get(Job, chunk.job_id)
            assert job is not None
            handler = handlers[job.kind]
            chunk.result = handler.process(session, job, chunk, now=now, tz=tz)
            session.add(chunk)
            # The job row is locked after the work, so chunks of one job run side by side and
            # only their short bookkeeping is serialised; the last one to get here combines.
            job = _lock_job(session, chunk.job_id)
            job.done += chunk.size
            if job.status == JobStatus.QUEUED:
                job.status = JobStatus.RUNNING
                job.started_at = now
            session.add(job)
            session.flush()
            if _remaining(session, job.id or 0) == 0:
                _finish(session, job, handler, now=now)
            return True
    except Exception as exc:
        log.exception("job chunk %s failed", chunk_id)
        _record_failure(database, chunk_id, exc, now=now, max_attempts=max_attempts)
        return None


def _record_failure(
    database: Database, chunk_id: int, exc: Exception, *, now: datetime, max_attempts: int
) -> None:
    error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    with database.transaction() as session:
        chunk = session.get(JobChunk, chunk_id)
        if chunk is None or chunk.done_at is not None:
            return
        chunk.attempts += 1
        chunk.last_error = error
        chunk.claimed_by = None
        chunk.claimed_at = None
        session.add(chunk)
        if chunk.attempts < max_attempts:
            return
        job = _lock_job(session, chunk.job_id)
        _stop(session, job, status=JobStatus.FAILED, error=error, actor=SYSTEM_ACTOR, now=now)


def _stop(
    session: Session,
    job: Job,
    *,
    status: JobStatus,
    error: str | None,
    actor: str | None,
    now: datetime,
) -> None:
    session.execute(
        update(JobChunk)
        .where(
            col(JobChunk.job_id) == job.id,
            col(JobChunk.done_at).is_(None),
            col(JobChunk.cancelled_at).is_(None),
        )
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    job.status = status
    job.error = error
    job.finished_at = now
    session.add(job)
    audit.record(
        session,
        actor=actor,
        action=f"job.{status}",
        entity_kind="job",
        entity_id=job.id,
        detail={"kind": job.kind, "done": job.done, "total": job.total, "error": error},
        now=now,
    )


def cancel_job(
    session: Session, job_id: int, *, kind: str, actor: str | None, now: datetime
) -> Job:
    """Cancel an active job of `kind`: its chunks not yet done are never processed (audited).
    A job already finished is returned unchanged. Raises NotFoundError."""
    job = find_job(session, job_id, kind=kind)
    job = _lock_job(session, job_id)
    if job.status in ACTIVE:
        _stop(session, job, status=JobStatus.CANCELLED, error=None, actor=actor, now=now)
    return job


def _finish_empty(database: Database, handlers: Mapping[str, JobHandler], *, now: datetime) -> None:
    """Finish the active jobs of the kinds `handlers` knows that have no chunk left to do (a job
    over no customers)."""
    undone = (
        select(JobChunk.id)
        .where(
            col(JobChunk.job_id) == col(Job.id),
            col(JobChunk.done_at).is_(None),
            col(JobChunk.cancelled_at).is_(None),
        )
        .exists()
    )
    with database.transaction() as session:
        for job_id in list(
            session.exec(
                select(Job.id).where(
                    col(Job.status).in_(ACTIVE), col(Job.kind).in_(list(handlers)), ~undone
                )
            )
        ):
            assert job_id is not None
            job = _lock_job(session, job_id)
            if job.status in ACTIVE and _remaining(session, job_id) == 0:
                _finish(session, job, handlers[job.kind], now=now)


def run_jobs(
    database: Database,
    *,
    handlers: Mapping[str, JobHandler],
    now: datetime,
    worker: str,
    tz: tzinfo = UTC,
    limit: int = 10,
    job_id: int | None = None,
    claim_expiry: timedelta = CLAIM_EXPIRY,
) -> JobsReport:
    """Claim up to `limit` chunks (of `job_id` only, when given) and process each once; a
    claim older than `claim_expiry` (its worker stopped) is taken again."""
    _finish_empty(database, handlers, now=now)
    claimed = claim_chunks(
        database,
        now=now,
        worker=worker,
        limit=limit,
        job_id=job_id,
        claim_expiry=claim_expiry,
        kinds=handlers.keys(),
    )
    processed = failed = 0
    for chunk_id in claimed:
        outcome = run_chunk(database, chunk_id, handlers=handlers, now=now, worker=worker, tz=tz)
        if outcome is True:
            processed += 1
        elif outcome is None:
            failed += 1
    return JobsReport(claimed=len(claimed), processed=processed, failed=failed)


def find_job(session: Session, job_id: int, *, kind: str) -> Job:
    """The job `job_id` of `kind`. Raises NotFoundError."""
    job = session.get(Job, job_id) if is_row_id(job_id) else None
    if job is None or job.kind != kind:
        raise NotFoundError(N_("there is no %(kind)s %(id)s"), kind=kind, id=job_id)
    return job


def job_view(job: Job) -> JobView:
    assert job.id is not None
    return JobView(
        id=job.id,
        kind=job.kind,
        status=job.status,
        done=job.done,
        total=job.total,
        params=job.params,
        result=job.result,
        error=job.error,
        created_by=job.created_by,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )
