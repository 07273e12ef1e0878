"""The background sweep: everything that waits for its time, done once across processes —
due timers (engine.timers), due outbox messages (engine.outbox, a bounded batch), due template
schedules (engine.schedules, which may queue jobs),
scheduled versions whose time has come (engine.publishing), then the chunks of running jobs
(engine.jobs).

The scheduler calls it every few seconds; `riskdesk tick --now` and `POST /api/v1/sweep` call
it with an explicit time, which is how tests travel in time.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, tzinfo

from engine import clock, outbox, publishing, schedules, timers
from engine.db import Database
from engine.job_kinds import run_due_chunks
from engine.views import SweepReport

# Chunks one sweep processes at most, and the seconds it spends on chunks at most (checked after
# each chunk): a big job never holds the timers of the next sweep back for long. The next sweep
# (or another process) takes the rest.
CHUNKS_PER_SWEEP = 10
CHUNK_BUDGET_SECONDS = 2.0
# Outbox messages one sweep delivers at most; the next sweep takes the rest.
OUTBOX_PER_SWEEP = 50


def sweep(
    database: Database,
    *,
    now: datetime,
    worker: str,
    tz: tzinfo = UTC,
    claim_expiry: timedelta = timers.CLAIM_EXPIRY,
    chunks: int = CHUNKS_PER_SWEEP,
    budget_seconds: float = CHUNK_BUDGET_SECONDS,
) -> SweepReport:
    """Fire the timers due at `now`, deliver due outbox messages (up to OUTBOX_PER_SWEEP), fire
    the schedules due, publish the versions scheduled for `now` (queuing their rescores), then
    process job chunks one at a time, up to `chunks` of them and for about `budget_seconds`;
    safe to run from several processes at once.

    `more_chunks` in the report says the sweep stopped at its budget, not for want of work."""
    report = timers.sweep(database, now=now, worker=worker, tz=tz, claim_expiry=claim_expiry)
    delivered = outbox.deliver_due(
        database, now, worker, claim_expiry=claim_expiry, limit=OUTBOX_PER_SWEEP
    )
    fired = schedules.sweep_schedules(
        database, now=now, worker=worker, tz=tz, claim_expiry=claim_expiry
    )
    publishing.publish_due(database, now=now)
    started = clock.monotonic()
    processed = failed = 0
    more = False
    for taken in range(1, chunks + 1):
        jobs = run_due_chunks(
            database, now=now, worker=worker, tz=tz, limit=1, claim_expiry=claim_expiry
        )
        processed += jobs.processed
        failed += jobs.failed
        if jobs.claimed == 0:
            break
        if taken == chunks or clock.monotonic() - started >= budget_seconds:
            more = True
            break
    return dataclasses.replace(
        report,
        schedules=fired.fired,
        chunks=processed,
        failed=report.failed + delivered.failed + fired.failed + failed,
        delivered=delivered.sent,
        more_chunks=more,
    )
