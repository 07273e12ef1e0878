"""The REST API's shapes of working calendars: `CalendarsPublic`, `CalendarDaysPublic`."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class CalendarPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str = Field(examples=["cn"], description="what a workflow's `calendar:` names")
    label: dict[str, str] = Field(examples=[{"en": "Mainland China working days"}])
    is_default: bool = Field(description="business days count on it when a workflow names none")
    version: int | None = Field(description="its published version; None for the built-in one")
    filename: str | None = Field(examples=["calendars/cn.yaml"])
    template_key: str | None = Field(description="the template that published it")


class CalendarsPublic(BaseModel):
    default: str = Field(examples=["cn"], description="the default calendar's name")
    calendars: list[CalendarPublic]


class CalendarDayPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    date: date
    is_working_day: bool
    kind: str = Field(
        examples=["holiday"],
        description="working (a weekday), weekend, holiday or workday (a make-up working day)",
    )
    name: dict[str, str] | None = Field(
        examples=[{"en": "National Day", "zh": "国庆节"}],
        description="the holiday's or make-up working day's name, by language",
    )


class CalendarDaysPublic(BaseModel):
    name: str
    label: dict[str, str]
    start: date = Field(serialization_alias="from", description="the first date listed")
    end: date = Field(serialization_alias="to", description="the last date listed")
    days: list[CalendarDayPublic]
