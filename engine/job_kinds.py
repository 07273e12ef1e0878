"""The one table of job kinds: each kind's JobHandler (engine.jobs), and the pass that runs the
due chunks of every kind. A new kind of portfolio-wide work is one entry here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final

from engine.db import Database
from engine.import_jobs import KIND as IMPORT
from engine.import_jobs import ImportHandler
from engine.jobs import CLAIM_EXPIRY, JobHandler, JobsReport, run_jobs
from engine.rescoring import KIND as RESCORE
from engine.rescoring import RescoreHandler
from engine.reviews import KIND as REVIEWS
from engine.reviews import ReviewHandler
from engine.simulation import KIND as SIMULATION
from engine.simulation import SimulationHandler

HANDLERS: Final[Mapping[str, JobHandler]] = {
    RESCORE: RescoreHandler(),
    SIMULATION: SimulationHandler(),
    REVIEWS: ReviewHandler(),
    IMPORT: ImportHandler(),
}


def run_due_chunks(
    database: Database,
    *,
    now: datetime,
    worker: str,
    tz: tzinfo = UTC,
    limit: int = 10,
    job_id: int | None = None,
    claim_expiry: timedelta = CLAIM_EXPIRY,
) -> JobsReport:
    """Process up to `limit` chunks of the active jobs of every kind, each once."""
    return run_jobs(
        database,
        handlers=HANDLERS,
        now=now,
        worker=worker,
        tz=tz,
        limit=limit,
        job_id=job_id,
        claim_expiry=claim_expiry,
    )
