"""Jobs over the portfolio: chunks by id range, claimed by one worker at a time, taken again when
a claim expires, retried then failed, cancelled; the sweep's chunk budget and the scheduler
sweeping again while chunks wait — on both backends."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

import pytest
from sqlmodel import Session, col, select

from engine import jobs
from engine.background import sweep
from engine.db import Database
from engine.errors import NotFoundError
from engine.models import AuditEntry, Customer, Job, JobChunk, JobStatus
from engine.scheduler import SweepJob
from engine.settings import Settings
from tests.engine.conftest import HEALTHY, NOW, upsert


class Counting:
    """A kind of job that counts its customers (a stand-in for real work)."""

    def process(
        self, session: Session, job: Job, chunk: JobChunk, *, now: datetime, tz: tzinfo
    ) -> dict[str, Any]:
        ids = session.exec(
            select(Customer.id).where(
                col(Customer.id) >= chunk.first_id, col(Customer.id) <= chunk.last_id
            )
        ).all()
        return {"customers": len(ids)}

    def combine(
        self, session: Session, job: Job, shares: Sequence[Mapping[str, Any]], *, now: datetime
    ) -> dict[str, Any]:
        return {"customers": sum(share["customers"] for share in shares)}


class Failing(Counting):
    """A kind of job whose chunks always fail."""

    def process(
        self, session: Session, job: Job, chunk: JobChunk, *, now: datetime, tz: tzinfo
    ) -> dict[str, Any]:
        raise RuntimeError(f"chunk {chunk.seq} cannot be processed")


HANDLERS = {"count": Counting(), "fail": Failing()}


def _customers(database: Database, n: int) -> None:
    for i in range(n):
        upsert(database, f"C{i:03d}", HEALTHY)


def _start(database: Database, kind: str = "count", *, chunk_size: int = 3) -> int:
    with database.transaction() as session:
        job = jobs.start_job(
            session, kind=kind, params={}, actor="cfo", now=NOW, chunk_size=chunk_size
        )
        assert job.id is not None
        return job.id


def _job(database: Database, job_id: int) -> Job:
    with database.transaction() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_a_job_splits_the_customers_in_id_ranges(workspace: Database) -> None:
    _customers(workspace, 8)
    job_id = _start(workspace, chunk_size=3)
    with workspace.transaction() as session:
        chunks = session.exec(select(JobChunk).order_by(col(JobChunk.seq))).all()
        ids = session.exec(select(Customer.id).order_by(col(Customer.id))).all()
    assert [(c.first_id, c.last_id, c.size) for c in chunks] == [
        (ids[0], ids[2], 3),
        (ids[3], ids[5], 3),
        (ids[6], ids[7], 2),
    ]
    report = jobs.run_jobs(workspace, handlers=HANDLERS, now=NOW, worker="w1")
    assert (report.claimed, report.processed, report.failed) == (3, 3, 0)
    job = _job(workspace, job_id)
    assert (job.status, job.done, job.total, job.result) == ("done", 8, 8, {"customers": 8})


def test_two_workers_never_take_one_chunk(workspace: Database) -> None:
    _customers(workspace, 12)
    _start(workspace, chunk_size=1)
    start = threading.Barrier(2)
    taken: dict[str, list[int]] = {}

    def claim(worker: str) -> None:
        start.wait()
        taken[worker] = jobs.claim_chunks(workspace, now=NOW, worker=worker, limit=8)

    threads = [threading.Thread(target=claim, args=(name,)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(taken["w1"]) & set(taken["w2"])
    assert len(taken["w1"]) + len(taken["w2"]) == 12
    with workspace.transaction() as session:
        owners = {c.id: c.claimed_by for c in session.exec(select(JobChunk)).all()}
    assert all(owners[i] == "w1" for i in taken["w1"])
    assert all(owners[i] == "w2" for i in taken["w2"])


def test_an_expired_claim_is_taken_again_and_the_old_worker_loses_it(
    workspace: Database,
) -> None:
    _customers(workspace, 2)
    job_id = _start(workspace, chunk_size=2)
    (chunk_id,) = jobs.claim_chunks(workspace, now=NOW, worker="crashed", limit=5)
    # the claim holds within its expiry ...
    assert jobs.claim_chunks(workspace, now=NOW + timedelta(minutes=9), worker="w2", limit=5) == []
    # ... and is taken again after it
    later = NOW + jobs.CLAIM_EXPIRY + timedelta(seconds=1)
    assert jobs.claim_chunks(workspace, now=later, worker="w2", limit=5) == [chunk_id]
    assert jobs.run_chunk(workspace, chunk_id, handlers=HANDLERS, now=later, worker="crashed") is (
        False
    )
    assert jobs.run_chunk(workspace, chunk_id, handlers=HANDLERS, now=later, worker="w2") is True
    assert _job(workspace, job_id).status == JobStatus.DONE


def test_a_failing_chunk_is_retried_then_fails_the_job(workspace: Database) -> None:
    _customers(workspace, 4)
    job_id = _start(workspace, "fail", chunk_size=2)
    reports = [
        jobs.run_jobs(workspace, handlers=HANDLERS, now=NOW + timedelta(minutes=i), worker="w")
        for i in range(jobs.MAX_ATTEMPTS + 1)
    ]
    # both chunks fail twice; chunk 0's third failure fails the job and cancels chunk 1
    assert [r.failed for r in reports] == [2, 2, 1, 0]
    job = _job(workspace, job_id)
    assert job.status == JobStatus.FAILED
    assert job.error == "RuntimeError: chunk 0 cannot be processed"
    with workspace.transaction() as session:
        chunks = session.exec(select(JobChunk).order_by(col(JobChunk.seq))).all()
        actions = session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))).all()
    assert [c.attempts for c in chunks] == [3, 2]
    assert all(c.cancelled_at is not None and c.done_at is None for c in chunks)
    assert actions[-1] == "job.failed"


def test_a_cancelled_job_processes_no_more_chunks(workspace: Database) -> None:
    _customers(workspace, 6)
    job_id = _start(workspace, chunk_size=2)
    jobs.run_jobs(workspace, handlers=HANDLERS, now=NOW, worker="w", limit=1)
    with workspace.transaction() as session:
        job = jobs.cancel_job(session, job_id, kind="count", actor="cfo", now=NOW)
        assert job.status == JobStatus.CANCELLED
    report = jobs.run_jobs(workspace, handlers=HANDLERS, now=NOW, worker="w")
    assert report.claimed == 0
    job = _job(workspace, job_id)
    assert (job.status, job.done, job.result) == ("cancelled", 2, None)
    with workspace.transaction() as session:
        # cancelling again, or a job of another kind, changes nothing
        assert jobs.cancel_job(session, job_id, kind="count", actor="cfo", now=NOW).done == 2
        with pytest.raises(NotFoundError):
            jobs.cancel_job(session, job_id, kind="rescore", actor="cfo", now=NOW)


def test_a_job_over_no_customers_finishes_at_the_next_pass(workspace: Database) -> None:
    job_id = _start(workspace)
    jobs.run_jobs(workspace, handlers=HANDLERS, now=NOW, worker="w")
    job = _job(workspace, job_id)
    assert (job.status, job.total, job.result) == ("done", 0, {"customers": 0})


def test_a_sweep_stops_at_its_chunk_budget_and_says_more_wait(workspace: Database) -> None:
    _customers(workspace, 3)
    with workspace.transaction() as session:
        jobs.start_job(session, kind="rescore", params={}, actor="cfo", now=NOW, chunk_size=1)
    first = sweep(workspace, now=NOW, worker="w", budget_seconds=0)
    assert (first.chunks, first.more_chunks) == (1, True)
    second = sweep(workspace, now=NOW, worker="w", chunks=5)
    assert (second.chunks, second.more_chunks) == (2, False)


def test_the_scheduler_sweeps_again_at_once_while_chunks_wait(workspace: Database) -> None:
    _customers(workspace, 12)
    with workspace.transaction() as session:
        job = jobs.start_job(session, kind="rescore", params={}, actor="cfo", now=NOW, chunk_size=1)
        job_id = job.id
    assert job_id is not None
    # 12 chunks, 10 at most per sweep: one scheduled run takes them all
    report = SweepJob(workspace, Settings(sweep_interval_seconds=3600), worker="w")()
    assert report is not None and not report.more_chunks
    assert _job(workspace, job_id).status == JobStatus.DONE


def test_start_job_refuses_a_chunk_size_below_one(workspace: Database) -> None:
    with pytest.raises(ValueError, match="chunk_size"), workspace.transaction() as session:
        jobs.start_job(session, kind="count", params={}, actor="x", now=NOW, chunk_size=0)
