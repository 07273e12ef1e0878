"""The REST API's shapes for notifications and delegations: `NotificationPublic`,
`NotificationPage`, `DelegationCreate`, `DelegationPublic`, `DelegationList`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.delegations import DelegationView
from engine.notifications import NotificationView
from web.notification_texts import notification_text


class NotificationPublic(BaseModel):
    id: int
    kind: str = Field(
        description="assigned, escalated, reminder, critical_alert, order_held, terms_changed "
        "or notify (a workflow's own message)"
    )
    text: str = Field(description="what it says, in the request's language")
    params: dict[str, Any] = Field(
        description="the values its sentence names; `for`: the user you stand in for"
    )
    case_id: int | None
    customer_ref: str | None
    link: str | None = Field(description="the page it is about, on this site")
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, view: NotificationView, language: str) -> NotificationPublic:
        return cls(
            id=view.id,
            kind=view.kind,
            text=notification_text(view, language),
            params=dict(view.params),
            case_id=view.case_id,
            customer_ref=view.customer_ref,
            link=view.link,
            created_at=view.created_at,
            read_at=view.read_at,
        )


class NotificationPage(BaseModel):
    items: list[NotificationPublic]
    next_cursor: str | None
    unread: int = Field(description="how many of your notifications are unread (all pages)")


class ReadAllPublic(BaseModel):
    marked: int = Field(description="how many were unread")
    unread: int


class DelegationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delegate: str = Field(description="the user who handles your cases", max_length=100)
    starts_at: str = Field(
        description="from when (ISO 8601; naive is read in the workspace zone)",
        examples=["2026-12-07T00:00"],
        max_length=64,
    )
    ends_at: str = Field(
        description="until when, exclusive; at most 180 days after the start",
        examples=["2026-12-21T00:00"],
        max_length=64,
    )
    comment: str | None = Field(default=None, max_length=2000)


class DelegationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user: str = Field(description="whose cases are handed over")
    delegate: str
    starts_at: datetime
    ends_at: datetime
    comment: str | None
    created_by: str | None
    created_at: datetime
    revoked_at: datetime | None
    is_active: bool = Field(description="in force now")

    @classmethod
    def of(cls, view: DelegationView) -> DelegationPublic:
        return cls.model_validate(view)


class DelegationList(BaseModel):
    items: list[DelegationPublic] = Field(
        description="the delegations you gave and those given to you, the newest first"
    )
