"""The REST API's shape for the dashboard (engine.dashboard, docs/dashboard.md):
`DashboardPublic` and its parts."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from engine.dashboard import Dashboard
from web.schemas_alerts import AlertPublic


class TierFigurePublic(BaseModel):
    tier: str | None = Field(description="null: customers not assessed yet")
    customers: int
    exposure: int | float = Field(description="outstanding balances, in the base currency")
    order_hold: int = Field(description="customers whose terms hold their orders")


class UnconvertedPublic(BaseModel):
    currency: str
    amount: int | float = Field(description="balances in this currency left out: no rate today")
    customers: int


class TierMovePublic(BaseModel):
    from_tier: str
    to_tier: str
    assessments: int


class MigrationMonthPublic(BaseModel):
    month: str = Field(description="YYYY-MM")
    moves: list[TierMovePublic]


class StepFigurePublic(BaseModel):
    workflow_key: str
    workflow_title: str
    step: str
    step_title: str
    open: int
    past_due: int = Field(description="open cases past their step's deadline")


class HoldsPublic(BaseModel):
    orders: int = Field(description="orders held by a credit check, not yet released or rejected")
    amount: int | float = Field(description="their total in the base currency")
    oldest_at: datetime | None


class RiskyCustomerPublic(BaseModel):
    ref: str
    name: str
    department: str | None
    score: int | float
    tier: str | None


class LastRescorePublic(BaseModel):
    id: int
    status: str
    as_of: date
    reason: str
    created_at: datetime
    finished_at: datetime | None
    done: int | None = Field(description="null unless the caller sees every department")
    total: int | None
    changed: int | None


class DashboardPublic(BaseModel):
    now: datetime
    base_currency: str
    exposure_field: str | None = Field(
        description="the money field summed; null: none (no such money field, or a sensitive one)"
    )
    customers: int
    exposure: int | float
    tiers: list[TierFigurePublic]
    unconverted: list[UnconvertedPublic]
    migration: list[MigrationMonthPublic] = Field(description="the last 12 months, oldest first")
    steps: list[StepFigurePublic]
    cases_open: int
    cases_past_due: int
    holds: HoldsPublic
    critical_active: int
    critical_alerts: list[AlertPublic] = Field(description="the newest five")
    riskiest: list[RiskyCustomerPublic] = Field(description="the ten highest scores")
    last_rescore: LastRescorePublic | None

    @classmethod
    def of(cls, board: Dashboard) -> DashboardPublic:
        """The dashboard's view as the API's shape (its frozen views read by attribute)."""
        return cls.model_validate(
            {name: getattr(board, name) for name in cls.model_fields if name != "critical_alerts"}
            | {"critical_alerts": [AlertPublic.of(a) for a in board.critical_alerts]},
            from_attributes=True,
        )
