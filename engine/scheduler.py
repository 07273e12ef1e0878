"""The clock that drives timer sweeps in a server process (APScheduler 3, owning no state).

Timers live in the database (engine.timers); this only calls `sweep` every few seconds with the
real time. Several processes may each run one: claims keep a timer from firing twice.

While the database cannot be reached, the sweeps back off: the next try waits twice as long as
the last (from the sweep interval up to `MAX_BACKOFF_SECONDS`), the outage is logged once when it
starts and once when the database answers again, and sweeping then resumes at its interval.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from engine import clock
from engine.background import sweep
from engine.db import Database
from engine.settings import Settings
from engine.views import SweepReport

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "riskdesk-sweep"
MAX_BACKOFF_SECONDS: Final = 300.0
# While job chunks wait, one scheduled run sweeps again at once (timers first every time), for
# up to this long; then the interval resumes.
KEEP_SWEEPING_SECONDS: Final = 60.0


def worker_name() -> str:
    """A name for this process's claims, unique across hosts and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def is_unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached (rather than that a query is wrong)."""
    if isinstance(exc, OperationalError | PoolTimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


@dataclass(slots=True)
class Backoff:
    """Exponential backoff on a monotonic clock: `base` seconds after the first failure, doubled
    after each further one, never more than `cap`."""

    base: float
    cap: float = MAX_BACKOFF_SECONDS
    failures: int = 0
    resume_at: float = 0.0

    def is_ready(self, at: float) -> bool:
        return at >= self.resume_at

    def fail(self, at: float) -> float:
        """Count a failure at `at`; returns the wait before the next try."""
        self.failures += 1
        delay: float = min(self.cap, self.base * 2.0 ** min(self.failures - 1, 32))
        self.resume_at = at + delay
        return delay

    def succeed(self) -> bool:
        """Reset after a success; returns whether it ended a run of failures."""
        ended = self.failures > 0
        self.failures = 0
        self.resume_at = 0.0
        return ended


class SweepJob:
    """The scheduled sweep: one call sweeps at the current time, unless it is backing off."""

    def __init__(self, database: Database, settings: Settings, *, worker: str | None = None):
        self.database = database
        self.worker = worker or worker_name()
        self.expiry = timedelta(seconds=settings.claim_expiry_seconds)
        self.tz = settings.tz
        self.backoff = Backoff(base=float(settings.sweep_interval_seconds))

    def __call__(self) -> SweepReport | None:
        started = clock.monotonic()
        report = self.run(now=clock.utcnow(), at=started)
        # chunks waiting (a rescore): sweep again now rather than after the interval
        while (
            report is not None
            and report.more_chunks
            and clock.monotonic() - started < KEEP_SWEEPING_SECONDS
        ):
            report = self.run(now=clock.utcnow(), at=clock.monotonic())
        return report

    def run(self, *, now: datetime, at: float) -> SweepReport | None:
        """Sweep at `now` when not backing off at monotonic time `at`; None when it did not
        sweep (backing off, or the database could not be reached). Raises what `sweep` raises
        for anything but an unreachable database."""
        if not self.backoff.is_ready(at):
            return None
        try:
            report = sweep(
                self.database, now=now, worker=self.worker, tz=self.tz, claim_expiry=self.expiry
            )
        except Exception as exc:
            if not is_unreachable(exc):
                raise
            first = self.backoff.failures == 0
            delay = self.backoff.fail(at)
            if first:
                log.warning(
                    "database unreachable, timer sweeps back off (next try in %.0f s, then at "
                    "most every %.0f s): %s",
                    delay,
                    self.backoff.cap,
                    exc,
                )
            return None
        if self.backoff.succeed():
            log.warning("database reachable again, timer sweeps resume")
        if report.claimed:
            log.info("timer sweep: %s", report)
        return report


def start_scheduler(database: Database, settings: Settings) -> BackgroundScheduler:
    """Start a background scheduler running a timer sweep every `sweep_interval_seconds`,
    backing off while the database is unreachable (`SweepJob`).

    Missed runs are coalesced into one and runs never overlap; call `.shutdown()` to stop it.
    """
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        SweepJob(database, settings),
        "interval",
        seconds=settings.sweep_interval_seconds,
        id=SWEEP_JOB_ID,
        coalesce=True,
        max_instances=1,
        replace_existing=True,
    )
    scheduler.start()
    return scheduler
