"""The REST API's shapes for alerts: `AlertPublic`, `AlertPage`, `AlertEventPublic`,
`AcknowledgeRequest`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from engine.alerts import MAX_COMMENT, AlertListItem


class AlertEventPublic(BaseModel):
    kind: str = Field(description="opened, updated, acknowledged or resolved")
    at: datetime
    actor: str | None = Field(description="who acknowledged it; null: the engine")
    severity: str | None
    message: str | None = Field(description="what the alert said from then on")
    comment: str | None


class AlertPublic(BaseModel):
    id: int
    customer_ref: str
    customer_name: str
    department: str | None
    rule: str = Field(description="the rule of the ruleset that raises it")
    severity: str = Field(description="critical, warning or info")
    message: str = Field(description="what it says now (kept up to date while the rule fires)")
    status: str = Field(description="open, acknowledged (seen; may still fire) or resolved")
    created_at: datetime = Field(description="when its rule started firing")
    updated_at: datetime | None
    resolved_at: datetime | None = Field(description="when its rule stopped firing")
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    comment: str | None = Field(description="what the person who acknowledged it wrote")
    history: list[AlertEventPublic] | None = Field(
        default=None, description="every step, oldest first (reading one alert only)"
    )

    @classmethod
    def of(cls, item: AlertListItem, *, history: bool = False) -> AlertPublic:
        return cls(
            id=item.id,
            customer_ref=item.customer_ref,
            customer_name=item.customer_name,
            department=item.department,
            rule=item.rule,
            severity=item.severity,
            message=item.message,
            status=item.status,
            created_at=item.created_at,
            updated_at=item.updated_at,
            resolved_at=item.resolved_at,
            acknowledged_at=item.acknowledged_at,
            acknowledged_by=item.acknowledged_by,
            comment=item.comment,
            history=[
                AlertEventPublic(
                    kind=e.kind,
                    at=e.at,
                    actor=e.actor,
                    severity=e.severity,
                    message=e.message,
                    comment=e.comment,
                )
                for e in item.history
            ]
            if history
            else None,
        )


class AlertPage(BaseModel):
    items: list[AlertPublic]
    next_cursor: str | None


class AcknowledgeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(max_length=MAX_COMMENT, description="what is done about it (required)")
