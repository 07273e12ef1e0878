"""The REST API's shape of a template schedule: `SchedulePublic`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SchedulePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    template_key: str = Field(description="the template whose schedules: lists it")
    id: str = Field(examples=["nightly_rescore"])
    cron: str = Field(examples=["0 2 * * *"], description="minute hour day month weekday")
    action: str = Field(examples=["rescore_all"])
    timezone: str = Field(examples=["Asia/Shanghai"], description="the zone of the cron fields")
    next_fire_at: datetime
    last_fired_at: datetime | None
    attempts: int = Field(description="failed tries of the current occurrence")
    last_error: str | None = Field(description="why the last try failed (None once it fired)")
