"""The background sweep: everything that waits for its time, done once across processes —
due timers (engine.timers), due template schedules (engine.schedules, which may queue jobs),
scheduled versions whose time has come (engine.publishing), then the chunks of running jobs
(engine.jobs).

The scheduler calls it every few seconds; `riskdesk tick --now` and `POST /api/v1/sweep` call
it with an explicit time, which is how tests travel in time.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, tzinfo

from engine import publishing, schedules, timers
from engine.db import Database
from engine.job_kinds import run_due_chunks
from engine.views import SweepReport

# Chunks one sweep processes at most; the next sweep (or another process) takes the rest.
CHUNKS_PER_SWEEP = 10


def sweep(
    database: Database,
    *,
    now: datetime,
    worker: str,
    tz: tzinfo = UTC,
    claim_expiry: timedelta = timers.CLAIM_EXPIRY,
    chunks: int = CHUNKS_PER_SWEEP,
) -> SweepReport:
    """Fire the timers and the schedules due at `now`, publish the versions scheduled for `now`
    (queuing their rescores), then process up to `chunks` job chunks; safe to run from several
    processes at once."""
    report = timers.sweep(database, now=now, worker=worker, tz=tz, claim_expiry=claim_expiry)
    fired = schedules.sweep_schedules(
        database, now=now, worker=worker, tz=tz, claim_expiry=claim_expiry
    )
    publishing.publish_due(database, now=now)
    jobs = run_due_chunks(database, now=now, worker=worker, tz=tz, limit=chunks)
    return dataclasses.replace(
        report,
        schedules=fired.fired,
        chunks=jobs.processed,
        failed=report.failed + fired.failed + jobs.failed,
    )
