"""Exchange rates to the base currency: set one from a date on (admin), list them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from engine import specs
from engine.fx import FxRateView, list_rates, set_rate
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, FxWriter, NowDep, Reader, SettingsDep

router = APIRouter(tags=["fx-rates"], route_class=StrictJSONRoute)

Currency = Annotated[
    str, Path(description="a currency code: three capital letters, such as USD", examples=["USD"])
]


class FxRatePut(BaseModel):
    """A rate of the currency to the base currency, in force from `valid_from` on."""

    model_config = ConfigDict(extra="forbid")

    rate: Decimal = Field(
        gt=0,
        description="units of the base currency one unit of the currency is worth; exact "
        '(send text such as "7.1234" to avoid binary rounding), at most 12 decimals',
        examples=[7.1],
    )
    valid_from: date = Field(
        description="the first day the rate holds; it holds until the next rate's day",
        examples=["2026-01-01"],
    )
    source: str | None = Field(
        default=None, max_length=100, description="where the rate comes from (default: manual)"
    )


class FxRatePublic(BaseModel):
    currency: str
    rate: float = Field(description="as a JSON number; stored exactly")
    valid_from: date
    source: str | None
    created_at: datetime

    @classmethod
    def of(cls, view: FxRateView) -> FxRatePublic:
        return cls(
            currency=view.currency,
            rate=float(view.rate),
            valid_from=view.valid_from,
            source=view.source,
            created_at=view.created_at,
        )


class FxRateList(BaseModel):
    base_currency: str = Field(description="what every rate converts to; its own rate is 1")
    items: list[FxRatePublic]


@router.put(
    "/fx-rates/{currency}",
    response_model=FxRatePublic,
    responses={201: {"model": FxRatePublic, "description": "Created"}},
)
def put_fx_rate(
    currency: Currency,
    body: FxRatePut,
    response: Response,
    user: FxWriter,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
) -> FxRatePublic:
    """Set the rate of `currency` from `valid_from` on (201 when new, 200 when it replaces the
    rate of that day); admin only, audited. Assessments use it from their next evaluation."""
    with database.transaction() as session:
        result = set_rate(
            session,
            currency,
            body.rate,
            valid_from=body.valid_from,
            actor=user.name,
            now=now,
            source=body.source,
            base_currency=specs.base_currency(session, settings.base_currency),
        )
    response.status_code = 201 if result.created else 200
    return FxRatePublic.of(result.rate)


@router.get("/fx-rates", response_model=FxRateList)
def get_fx_rates(
    user: Reader,
    database: DbDep,
    settings: SettingsDep,
    currency: Annotated[str | None, Query(description="only this currency's rates")] = None,
) -> FxRateList:
    """Every stored rate, by currency, the newest first."""
    with database.transaction() as session:
        rates = list_rates(session, currency=currency)
        base = specs.base_currency(session, settings.base_currency)
    return FxRateList(base_currency=base, items=[FxRatePublic.of(r) for r in rates])
