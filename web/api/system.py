"""Health and the on-demand timer sweep."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from engine.background import sweep
from engine.clock import parse_time
from engine.errors import N_, InvalidRequestError
from engine.scheduler import worker_name
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, NowDep, SettingsDep, Sweeper
from web.schemas import HealthPublic, SweepPublic, SweepRequest

router = APIRouter(tags=["system"], route_class=StrictJSONRoute)


@router.get("/health", response_model=HealthPublic)
def health(database: DbDep) -> HealthPublic:
    """Whether the server is up and reaches its database (no token needed)."""
    with database.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return HealthPublic(status="ok", database="ok")


@router.post("/sweep", response_model=SweepPublic)
def run_sweep(
    user: Sweeper,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    body: SweepRequest | None = None,
) -> SweepPublic:
    """Fire the timers due at `now` (default: the current time) once; admin only."""
    at = now
    if body is not None and body.now:
        try:
            at = parse_time(body.now, tz=settings.tz)
        except ValueError as exc:
            raise InvalidRequestError(N_("now: %(problem)s"), problem=str(exc)) from exc
    report = sweep(database, now=at, worker=f"api:{user.name}:{worker_name()}", tz=settings.tz)
    return SweepPublic(
        now=at,
        claimed=report.claimed,
        fired=report.fired,
        failed=report.failed,
        chunks=report.chunks,
        schedules=report.schedules,
        delivered=report.delivered,
    )
