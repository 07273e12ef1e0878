"""The one table of job kinds: each kind's JobHandler (engine.jobs), and the pass that runs the
due chunks of every kind. A new kind of portfolio-wide work is one entry here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Final

from engine.db import Database
from engine.jobs import JobHandler, JobsReport, run_jobs
from engine.simulation import KIND as SIMULATION
from engine.simulation import SimulationHandler

HANDLERS: Final[Mapping[str, JobHandler]] = {
    SIMULATION: SimulationHandler(),
}


def run_due_chunks(
    database: Database,
    *,
    now: datetime,
    worker: str,
    tz: tzinfo = UTC,
    limit: int = 10,
    job_id: int | None = None,
) -> JobsReport:
    """Process up to `limit` chunks of the active jobs of every kind, each once."""
    return run_jobs(
        database, handlers=HANDLERS, now=now, worker=worker, tz=tz, limit=limit, job_id=job_id
    )
