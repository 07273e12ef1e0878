"""Jobs of a kind a process has no handler for are left to a process that has one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta, tzinfo
from typing import Any

from sqlmodel import select

from engine.db import Database
from engine.jobs import run_jobs, start_job
from engine.models import Job, JobChunk, JobStatus
from tests.engine.conftest import HEALTHY, NOW, upsert


class _Counting:
    """A job kind that counts the customers of each chunk (a real handler of a test-only kind)."""

    def process(
        self, session: Any, job: Job, chunk: JobChunk, *, now: Any, tz: tzinfo
    ) -> dict[str, Any]:
        return {"n": chunk.size}

    def combine(
        self, session: Any, job: Job, shares: Sequence[Mapping[str, Any]], *, now: Any
    ) -> dict[str, Any]:
        return {"n": sum(int(s["n"]) for s in shares)}


def _start(database: Database, kind: str) -> int:
    with database.transaction() as session:
        job = start_job(session, kind=kind, params={}, actor="test", now=NOW)
        assert job.id is not None
        return job.id


def test_a_job_of_an_unknown_kind_is_not_claimed_and_waits_for_its_handler(
    workspace: Database,
) -> None:
    upsert(workspace, "C001", HEALTHY)
    job_id = _start(workspace, "counting")
    report = run_jobs(workspace, handlers={}, now=NOW, worker="old")
    assert (report.claimed, report.failed) == (0, 0)
    with workspace.transaction() as session:
        chunk = session.exec(select(JobChunk).where(JobChunk.job_id == job_id)).one()
        assert (chunk.claimed_by, chunk.attempts, chunk.done_at) == (None, 0, None)
    later = NOW + timedelta(minutes=1)
    report = run_jobs(workspace, handlers={"counting": _Counting()}, now=later, worker="new")
    assert (report.claimed, report.processed) == (1, 1)
    with workspace.transaction() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert (job.status, job.result) == (JobStatus.DONE, {"n": 1})


def test_an_empty_job_of_an_unknown_kind_is_not_finished_by_a_process_without_its_handler(
    workspace: Database,
) -> None:
    job_id = _start(workspace, "counting")  # no customers: no chunks
    run_jobs(workspace, handlers={}, now=NOW, worker="old")
    with workspace.transaction() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.status == JobStatus.RUNNING
    run_jobs(workspace, handlers={"counting": _Counting()}, now=NOW, worker="new")
    with workspace.transaction() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert (job.status, job.result) == (JobStatus.DONE, {"n": 0})
