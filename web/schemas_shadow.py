"""The REST API's shapes for shadow runs: `ShadowStart`, `ShadowRunPublic`,
`ShadowComparisonPublic`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.shadow import ShadowComparison, ShadowRunView


class ShadowStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: str = Field(
        description="when the run ends (ISO 8601; naive is read in the workspace zone)",
        examples=["2026-12-08T00:00"],
        max_length=64,
    )


class ShadowRunPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ruleset_key: str
    draft_version: int = Field(description="the draft version the run evaluates")
    draft_checksum: str = Field(description="its checksum: a draft saved later is not used")
    started_by: str | None
    started_at: datetime
    until: datetime
    stopped_at: datetime | None
    status: str = Field(description="running, finished (until has passed) or stopped")


class TierCellPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    champion: str | None = Field(description="the tier the published ruleset gave")
    challenger: str | None = Field(description="the tier the draft gave")
    count: int


class ShadowDifferencePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    customer_ref: str
    at: datetime = Field(description="the customer's latest evaluation in the run")
    differs: list[str] = Field(
        description="of score, tier, alerts, cases (error: the draft failed)"
    )
    champion: dict[str, Any] = Field(description="score, tier, previous_tier, alerts, cases")
    challenger: dict[str, Any]


class ShadowComparisonPublic(BaseModel):
    run: ShadowRunPublic
    evaluations: int = Field(description="live evaluations the run saw (in your departments)")
    customers: int
    tiers_agree: int = Field(description="evaluations where both gave the same tier")
    tiers: list[TierCellPublic] = Field(description="the tier agreement matrix")
    alerts: dict[str, dict[str, int]] = Field(description="champion/challenger → rule → alerts")
    cases: dict[str, dict[str, int]] = Field(
        description="champion/challenger → workflow → cases it would have opened"
    )
    differences: list[ShadowDifferencePublic] = Field(
        description="a page of the customers whose latest evaluation differs, by customer"
    )
    next_cursor: str | None

    @classmethod
    def of(cls, compared: ShadowComparison) -> ShadowComparisonPublic:
        return cls(
            run=ShadowRunPublic.model_validate(compared.run),
            evaluations=compared.evaluations,
            customers=compared.customers,
            tiers_agree=compared.tiers_agree,
            tiers=[TierCellPublic.model_validate(c) for c in compared.tiers],
            alerts={side: dict(counts) for side, counts in compared.alerts.items()},
            cases={side: dict(counts) for side, counts in compared.cases.items()},
            differences=[
                ShadowDifferencePublic.model_validate(d) for d in compared.differences.items
            ],
            next_cursor=compared.differences.next_cursor,
        )


def run_public(run: ShadowRunView) -> ShadowRunPublic:
    return ShadowRunPublic.model_validate(run)
