"""Simulations: a ruleset's draft scored beside the published version on the whole portfolio,
in the background; its progress, result and movers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from engine.errors import N_, NotFoundError
from engine.pagination import MAX_LIMIT
from engine.scoping import Scope
from engine.simulation import list_movers, simulation_view, start_simulation
from engine.types import is_row_id
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, NowDep, SettingsDep, SpecEditor
from web.schemas_simulations import (
    MoverPage,
    MoverPublic,
    SimulationPublic,
    SimulationStart,
    SimulationStarted,
)

router = APIRouter(tags=["simulations"], route_class=StrictJSONRoute)

Key = Annotated[
    str, Path(pattern="^[a-z][a-z0-9_]*$", max_length=200, description="the ruleset's key")
]
Tier = Annotated[str | None, Query(max_length=50)]


def _simulation_id(simulation_id: Annotated[int, Path(description="the simulation's id")]) -> int:
    if not is_row_id(simulation_id):
        raise NotFoundError(N_("there is no %(kind)s %(id)s"), kind="simulation", id=simulation_id)
    return simulation_id


SimulationId = Annotated[int, Depends(_simulation_id)]


def _portfolio_scope(user: SpecEditor) -> Scope:
    """Where the caller may both edit specs and read customers (None: everywhere)."""
    edit = user.access.departments_for("specs:edit")
    read = user.access.departments_for("customers:read")
    if edit is None or read is None:
        return read if edit is None else edit
    return edit & read


@router.post("/rulesets/{key}/draft/simulate", status_code=202, response_model=SimulationStarted)
def post_simulate(
    key: Key,
    user: SpecEditor,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    body: SimulationStart | None = None,
) -> SimulationStarted:
    """Start a simulation of the draft on every customer; 202 with its id at once, the work
    runs in the background. A draft with errors is a 422, no draft a 404."""
    with database.transaction() as session:
        job = start_simulation(
            session,
            key,
            as_of=body.as_of if body is not None else None,
            actor=user.name,
            now=now,
            scope=_portfolio_scope(user),
            tz=settings.tz,
        )
        assert job.id is not None
        return SimulationStarted(id=job.id)


@router.get("/simulations/{simulation_id}", response_model=SimulationPublic)
def get_simulation(
    simulation_id: SimulationId, user: SpecEditor, database: DbDep
) -> SimulationPublic:
    """Status and progress of a simulation; `result` once it is done (null before)."""
    with database.transaction() as session:
        view = simulation_view(session, simulation_id, scope=_portfolio_scope(user))
    return SimulationPublic.of(view)


@router.get("/simulations/{simulation_id}/movers", response_model=MoverPage)
def get_movers(
    simulation_id: SimulationId,
    user: SpecEditor,
    database: DbDep,
    from_tier: Tier = None,
    to_tier: Tier = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> MoverPage:
    """The customers the draft moves to another tier, with the rules that moved them, a page
    at a time (those found so far while it runs)."""
    with database.transaction() as session:
        page = list_movers(
            session,
            simulation_id,
            scope=_portfolio_scope(user),
            cursor=cursor,
            limit=limit,
            from_tier=from_tier,
            to_tier=to_tier,
        )
    return MoverPage(items=[MoverPublic.of(m) for m in page.items], next_cursor=page.next_cursor)
