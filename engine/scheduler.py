"""The clock that drives timer sweeps in a server process (APScheduler 3, owning no state).

Timers live in the database (engine.timers); this only calls `sweep` every few seconds with the
real time. Several processes may each run one: claims keep a timer from firing twice.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from engine import clock
from engine.db import Database
from engine.settings import Settings
from engine.timers import sweep
from engine.views import SweepReport

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "riskdesk-sweep"


def worker_name() -> str:
    """A name for this process's claims, unique across hosts and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def start_scheduler(database: Database, settings: Settings) -> BackgroundScheduler:
    """Start a background scheduler running a timer sweep every `sweep_interval_seconds`.

    Missed runs are coalesced into one and runs never overlap; call `.shutdown()` to stop it.
    """
    worker = worker_name()
    expiry = timedelta(seconds=settings.claim_expiry_seconds)
    tz = settings.tz

    def run_sweep() -> SweepReport:
        report = sweep(database, now=clock.utcnow(), worker=worker, tz=tz, claim_expiry=expiry)
        if report.claimed:
            log.info("timer sweep: %s", report)
        return report

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        run_sweep,
        "interval",
        seconds=settings.sweep_interval_seconds,
        id=SWEEP_JOB_ID,
        coalesce=True,
        max_instances=1,
        replace_existing=True,
    )
    scheduler.start()
    return scheduler
