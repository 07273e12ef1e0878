"""Template schedules as the sweep sees them: when each fires next, when it last fired, and
its last error (admins: `system:sweep`)."""

from __future__ import annotations

from fastapi import APIRouter

from engine.schedules import list_schedules
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, Sweeper
from web.schemas_schedules import SchedulePublic

router = APIRouter(tags=["system"], route_class=StrictJSONRoute)


@router.get("/schedules", response_model=list[SchedulePublic])
def get_schedules(user: Sweeper, database: DbDep) -> list[SchedulePublic]:
    """The active schedules of the imported templates, by template and id."""
    with database.transaction() as session:
        schedules = list_schedules(session)
    return [SchedulePublic.model_validate(s) for s in schedules]
