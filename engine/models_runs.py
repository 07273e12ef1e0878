"""Tables for work done over the whole portfolio: jobs split into chunks (rescoring,
simulation), cron schedules, the customers a simulation moves, and shadow runs.

Jobs, chunks and schedules are claimed like timers (engine.timers): a conditional update (and
`FOR UPDATE SKIP LOCKED` on PostgreSQL) gives each to one worker, and the work and its "done"
mark commit in one transaction, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.columns import fk_column, json_column, utc_column
from engine.types import JsonType, MoneyType


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Job(SQLModel, table=True):
    """One run over the portfolio (`kind`: rescore, simulation), split into JobChunk rows."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_kind_status", "kind", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=50)
    status: str = Field(default=JobStatus.QUEUED, max_length=20)
    # what the run is over: ruleset key and version, as_of, draft version...
    params: dict[str, Any] = json_column()
    total: int = 0  # customers in scope when the job started
    done: int = 0  # customers processed by the chunks done so far
    # the combined result once every chunk is done (None before)
    result: dict[str, Any] | None = Field(default=None, sa_type=JsonType, nullable=True)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = utc_column()
    started_at: datetime | None = utc_column(nullable=True)
    finished_at: datetime | None = utc_column(nullable=True)


class JobChunk(SQLModel, table=True):
    """The customers of a job with `first_id <= id <= last_id`: claimed, processed and marked
    done in one transaction by one worker."""

    __tablename__ = "job_chunks"
    __table_args__ = (
        UniqueConstraint("job_id", "seq"),
        Index("ix_job_chunks_claim", "done_at", "cancelled_at", "job_id", "seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = fk_column("jobs.id", index=False)
    seq: int
    first_id: int
    last_id: int
    size: int  # customers in the range when the job started
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = utc_column(nullable=True)
    done_at: datetime | None = utc_column(nullable=True)
    cancelled_at: datetime | None = utc_column(nullable=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # this chunk's share of the job's result, combined when the last chunk is done
    result: dict[str, Any] | None = Field(default=None, sa_type=JsonType, nullable=True)


class Schedule(SQLModel, table=True):
    """A template's cron schedule: fires its action at `next_fire_at`, once across processes."""

    __tablename__ = "schedules"
    __table_args__ = (
        UniqueConstraint("template_key", "schedule_id"),
        Index("ix_schedules_due", "is_active", "next_fire_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    template_key: str = Field(max_length=200)
    schedule_id: str = Field(max_length=200)
    cron: str = Field(max_length=200)
    action: str = Field(max_length=50)
    timezone: str = Field(default="UTC", max_length=64)
    is_active: bool = True
    next_fire_at: datetime = utc_column()
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = utc_column(nullable=True)
    last_fired_at: datetime | None = utc_column(nullable=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = utc_column()


class SimulationMover(SQLModel, table=True):
    """A customer whose tier a simulated draft changes, with the rules that moved them."""

    __tablename__ = "simulation_movers"
    __table_args__ = (Index("ix_simulation_movers_job_customer", "job_id", "customer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = fk_column("jobs.id", index=False)
    customer_id: int = fk_column("customers.id", index=False)
    from_tier: str | None = Field(default=None, max_length=50)
    to_tier: str | None = Field(default=None, max_length=50)
    from_score: float | None = None
    to_score: float | None = None
    exposure: Any = Field(default=None, sa_type=MoneyType, nullable=True)
    # rules that started or stopped firing, with their points (engine.explanations' shape)
    rules: dict[str, Any] = json_column()


class ShadowRun(SQLModel, table=True):
    """A draft ruleset evaluated beside the published one on live traffic, without acting."""

    __tablename__ = "shadow_runs"
    __table_args__ = (Index("ix_shadow_runs_key_stopped", "ruleset_key", "stopped_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ruleset_key: str = Field(max_length=200)
    draft_version: int
    draft_checksum: str = Field(max_length=64)
    started_by: str | None = Field(default=None, max_length=100)
    started_at: datetime = utc_column()
    until: datetime = utc_column()
    stopped_at: datetime | None = utc_column(nullable=True)


class ShadowResult(SQLModel, table=True):
    """One live evaluation seen by a shadow run: the published (champion) and draft
    (challenger) results, and the cases each would have opened."""

    __tablename__ = "shadow_results"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = fk_column("shadow_runs.id")
    customer_id: int = fk_column("customers.id", index=False)
    at: datetime = utc_column()
    champion: dict[str, Any] = json_column()
    challenger: dict[str, Any] = json_column()


class ImportFile(SQLModel, table=True):
    """The file of an import job (a `Job` of kind `import`, engine.import_jobs): kept as
    uploaded, with its mapping file and the departments its author may write, so any process
    can run its chunks and the rejected rows can be written out afterwards."""

    __tablename__ = "import_files"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = fk_column("jobs.id", index=False)
    filename: str = Field(max_length=255)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    mapping: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    mapping_filename: str | None = Field(default=None, max_length=255)
    # the author's write scope: department names, or None for every department
    scope: list[str] | None = Field(default=None, sa_type=JsonType, nullable=True)

    __table_args__ = (UniqueConstraint("job_id"),)
