"""The REST API's shapes of a customer's events and credit-terms changes (docs/api.md,
"A customer's events and terms changes")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from engine.case_page_views import TermsChangeEntry
from engine.customer_records import CustomerEvents
from web.schemas import EventPublic


class EventKindCount(BaseModel):
    kind: str
    label: str = Field(description="the kind's form title in the caller's language")
    events: int


class CustomerEventPage(BaseModel):
    items: list[EventPublic] = Field(description="newest first, by when they occurred")
    next_cursor: str | None
    total: int = Field(description="events of the kind asked for (every event without `kind`)")
    kinds: list[EventKindCount] = Field(description="every kind the customer has events of")

    @classmethod
    def of(cls, found: CustomerEvents) -> CustomerEventPage:
        return cls(
            items=[EventPublic.of(e.event) for e in found.items],
            next_cursor=found.next_cursor,
            total=found.total,
            kinds=[EventKindCount(kind=k, label=label, events=n) for k, label, n in found.kinds],
        )


class TermChangedPublic(BaseModel):
    name: str = Field(description="credit_limit, payment_terms_days, prepayment_pct, ...")
    label: str
    before: Any
    after: Any


class TermsChangePublic(BaseModel):
    id: int
    at: datetime
    actor: str | None
    approver: str | None = Field(description="the last approver of the case that made it")
    case_id: int | None = Field(description="the case that made it (None: set directly)")
    changes: list[TermChangedPublic]
    restore_at: datetime | None = Field(description="a temporary change: restored at this time")
    restore_when: str | None = Field(description="... or once this condition holds")
    restored_at: datetime | None
    restores_id: int | None = Field(description="a restoration: the change it undoes")

    @classmethod
    def of(cls, entry: TermsChangeEntry) -> TermsChangePublic:
        return cls(
            id=entry.id,
            at=entry.at,
            actor=entry.actor,
            approver=entry.approver,
            case_id=entry.case_id,
            changes=[
                TermChangedPublic(name=r.name, label=r.label, before=r.current, after=r.proposed)
                for r in entry.rows
            ],
            restore_at=entry.restore_at,
            restore_when=entry.restore_when,
            restored_at=entry.restored_at,
            restores_id=entry.restores_id,
        )


class TermsChangePage(BaseModel):
    items: list[TermsChangePublic] = Field(description="newest first")
    next_cursor: str | None
