"""The REST API's shapes for portfolio rescores: `RescoreRequest`, `RescorePublic`,
`RescorePage`."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from engine.rescoring import MAX_REASON, RescoreView


class RescoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(
        default=None,
        description="the date to score on (events that occurred by its end count); "
        "default: today in the workspace time zone, fixed when the rescore starts",
    )
    reason: str = Field(
        default="manual", min_length=1, max_length=MAX_REASON, description="why it runs"
    )


class TierChangePublic(BaseModel):
    from_tier: str | None = Field(description="None: never assessed before")
    to_tier: str
    customers: int


class RescorePublic(BaseModel):
    """A rescore and its progress; the counts sum the chunks done so far."""

    id: int
    status: str = Field(description="queued, running, done, failed or cancelled")
    done: int = Field(description="customers scored so far")
    total: int = Field(description="customers stored when it started")
    changed: int = Field(description="customers whose assessment changed (a new row)")
    tier_changes: list[TierChangePublic]
    cases_opened: int
    as_of: date
    reason: str
    created_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None

    @classmethod
    def of(cls, view: RescoreView) -> RescorePublic:
        return cls(
            id=view.id,
            status=view.status,
            done=view.done,
            total=view.total,
            changed=view.changed,
            tier_changes=[
                TierChangePublic(from_tier=t.from_tier, to_tier=t.to_tier, customers=t.customers)
                for t in view.tier_changes
            ],
            cases_opened=view.cases_opened,
            as_of=view.as_of,
            reason=view.reason,
            created_by=view.created_by,
            created_at=view.created_at,
            started_at=view.started_at,
            finished_at=view.finished_at,
            error=view.error,
        )


class RescorePage(BaseModel):
    items: list[RescorePublic]
    next_cursor: str | None
