"""The rules editor's simulation panel: run the saved draft on the whole portfolio beside the
published version (engine.simulation, a background job the sweep works through), follow its
progress, and read the migration matrix, the cases that would open, the rules that fire more or
less often, the pre-publish checks and the customers who move.

A simulation covers every department, so it needs `customers:read` everywhere (the engine
refuses a scoped caller). While the job runs, the panel asks for itself again every second
(htmx `every 1s`); the answer once the job has ended carries no trigger, so the polling stops.
As in web.pages_rules, an htmx request gets the `simulation` block with status 200, a refusal
inside it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from engine.errors import N_, EngineError, NotFoundError, PermissionDeniedError
from engine.simulation import list_movers, simulation_view, start_simulation
from engine.users import UserView
from web.deps import DbDep, HxRequest, NowDep, PageSession, SettingsDep
from web.errors import engine_detail
from web.i18n import PageLanguageDep
from web.pages import check_csrf, render
from web.pages_rules import Csrf, Key, PageSpecEditor
from web.rules_views import editor_context, migration_matrix

router = APIRouter(include_in_schema=False)

# Movers listed under the matrix, a page at a time.
MOVERS_PAGE = 20
SimulationId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def simulation_context(
    session: Session,
    key: str,
    simulation_id: int,
    user: UserView,
    *,
    movers_cursor: str | None = None,
) -> dict[str, Any]:
    """The panel's context for simulation `simulation_id` of ruleset `key`: its progress, and
    once it is done its matrix and a page of its movers. Raises as
    engine.simulation.simulation_view, and NotFoundError for another ruleset's simulation."""
    scope = user.access.departments_for("customers:read")
    view = simulation_view(session, simulation_id, scope=scope)
    if view.ruleset != key:  # another ruleset's simulation is not found here
        raise NotFoundError(N_("there is no %(kind)s %(id)s"), kind="simulation", id=simulation_id)
    movers = None
    if view.result is not None:
        movers = list_movers(
            session, simulation_id, scope=scope, cursor=movers_cursor, limit=MOVERS_PAGE
        )
    return {
        "simulation": view,
        "matrix": migration_matrix(view.result) if view.result is not None else None,
        "movers": movers.items if movers is not None else (),
        "movers_next": movers.next_cursor if movers is not None else None,
        "simulation_error": None,
    }


@router.post("/rules/{key}/simulations")
def rules_simulate(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: PageLanguageDep,
    hx: HxRequest,
    as_of: Annotated[date | None, Form()] = None,
    csrf_token: Csrf = "",
) -> Response:
    """Start a simulation of the saved draft: the polling `simulation` block for htmx, else
    on to the simulation's page (303). A refusal (no draft, errors, a scoped editor) is said
    in the block, or on the editor with its status."""
    check_csrf(session, csrf_token)
    try:
        with database.transaction() as db_session:
            job = start_simulation(
                db_session,
                key,
                as_of=as_of,
                actor=user.name,
                now=now,
                scope=user.access.departments_for("customers:read"),
                tz=settings.tz,
            )
            assert job.id is not None
            context = simulation_context(db_session, key, job.id, user) if hx else {}
    except EngineError as exc:
        error = engine_detail(exc, language)
        with database.transaction() as db_session:
            context = editor_context(db_session, key, user, language, simulation_error=error)
        if hx:
            return render(request, "rules_editor.html", context, block="simulation")
        status = (
            403
            if isinstance(exc, PermissionDeniedError)
            else 404
            if isinstance(exc, NotFoundError)
            else 422
        )
        return render(request, "rules_editor.html", context, status_code=status)
    if hx:
        return render(request, "rules_editor.html", {"key": key, **context}, block="simulation")
    return RedirectResponse(f"/rules/{key}/simulations/{job.id}", status_code=303)


@router.get("/rules/{key}/simulations/{simulation_id}")
def rules_simulation(
    request: Request,
    key: Key,
    simulation_id: SimulationId,
    user: PageSpecEditor,
    database: DbDep,
    language: PageLanguageDep,
    hx: HxRequest,
    movers_cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """A simulation's progress, then its result: the `simulation` block for htmx (what the
    panel polls), else the editor showing it."""
    with database.transaction() as db_session:
        panel = simulation_context(
            db_session, key, simulation_id, user, movers_cursor=movers_cursor
        )
        if hx:
            return render(request, "rules_editor.html", {"key": key, **panel}, block="simulation")
        context = editor_context(db_session, key, user, language, **panel)
    return render(request, "rules_editor.html", context)
