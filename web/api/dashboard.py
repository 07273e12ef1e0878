"""The dashboard's figures (issue 12, docs/dashboard.md): `GET /api/v1/dashboard`, the numbers
the dashboard page draws, of the customers in the caller's departments (`customers:read`)."""

from __future__ import annotations

from fastapi import APIRouter

from engine import dashboard
from engine.spec_changes import may_publish
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, LanguageDep, NowDep, Reader, SettingsDep
from web.schemas_dashboard import DashboardPublic

router = APIRouter(tags=["dashboard"], route_class=StrictJSONRoute)


@router.get("/dashboard", response_model=DashboardPublic)
def get_dashboard(
    user: Reader, database: DbDep, settings: SettingsDep, language: LanguageDep, now: NowDep
) -> DashboardPublic:
    """Customers and exposure per tier, tier migration over 12 months, open cases by step, held
    orders, the newest critical alerts, the riskiest ten and the last rescore."""
    with database.transaction() as session:
        board = dashboard.dashboard(
            session,
            scope=user.access.departments_for("customers:read"),
            now=now,
            tz=settings.tz,
            language=language,
            spec_changes=may_publish(user.access),
            default_currency=settings.base_currency,
        )
    return DashboardPublic.of(board)
