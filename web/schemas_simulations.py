"""The REST API's shapes for simulations: `SimulationStart`, `SimulationStarted`,
`SimulationPublic`, `MoverPublic`, `MoverPage`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.simulation import MoverView, SimulationView

Number = int | float


class SimulationStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(
        default=None,
        description="score as on this day: only events that occurred by then count "
        "(default: today)",
    )


class SimulationStarted(BaseModel):
    id: int = Field(description="the simulation's id: GET /api/v1/simulations/{id}")


class Progress(BaseModel):
    done: int = Field(description="customers scored so far")
    total: int = Field(description="customers in the portfolio when the simulation started")


class SimulationPublic(BaseModel):
    id: int
    status: str = Field(description="queued, running, done, failed or cancelled")
    progress: Progress
    ruleset: str
    draft_version: int | None = Field(description="None: a rules file, not the saved draft")
    as_of: date
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None
    error: str | None
    result: dict[str, Any] | None = Field(
        description="None until done: matrix, exposure_moves, cases, rules, movers, checks "
        "(docs/policy-changes.md)"
    )

    @classmethod
    def of(cls, view: SimulationView) -> SimulationPublic:
        return cls(
            id=view.id,
            status=view.status,
            progress=Progress(done=view.done, total=view.total),
            ruleset=view.ruleset,
            draft_version=view.draft_version,
            as_of=date.fromisoformat(view.as_of),
            created_by=view.created_by,
            created_at=view.created_at,
            finished_at=view.finished_at,
            error=view.error,
            result=dict(view.result) if view.result is not None else None,
        )


class MoverPublic(BaseModel):
    customer_ref: str
    customer_name: str
    department: str | None
    from_tier: str | None = Field(description="under the published ruleset")
    to_tier: str | None = Field(description="under the draft")
    from_score: Number | None
    to_score: Number | None
    exposure: Number = Field(description="outstanding balance in the base currency")
    started_firing: list[dict[str, Any]] = Field(description="rules firing only under the draft")
    stopped_firing: list[dict[str, Any]] = Field(description="rules firing only when published")
    points_changed: list[dict[str, Any]] = Field(description="rules firing with other points")

    @classmethod
    def of(cls, mover: MoverView) -> MoverPublic:
        return cls(
            customer_ref=mover.customer_ref,
            customer_name=mover.customer_name,
            department=mover.department,
            from_tier=mover.from_tier,
            to_tier=mover.to_tier,
            from_score=mover.from_score,
            to_score=mover.to_score,
            exposure=mover.exposure,
            started_firing=[dict(r) for r in mover.started_firing],
            stopped_firing=[dict(r) for r in mover.stopped_firing],
            points_changed=[dict(r) for r in mover.points_changed],
        )


class MoverPage(BaseModel):
    items: list[MoverPublic]
    next_cursor: str | None
