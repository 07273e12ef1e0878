"""Rescoring the whole portfolio: start one, follow it, list them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from engine.errors import N_, PermissionDeniedError
from engine.pagination import MAX_LIMIT
from engine.rescoring import get_rescore, list_rescores, rescore_view, start_rescore
from engine.users import UserView
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, NowDep, SettingsDep, require
from web.schemas_rescores import RescorePage, RescorePublic, RescoreRequest

router = APIRouter(tags=["rescores"], route_class=StrictJSONRoute)

PERMISSION = "portfolio:rescore"


def _rescorer(user: UserView = Depends(require(PERMISSION))) -> UserView:
    # a rescore touches every department's customers: a grant in one department is not enough
    if not user.access.can(PERMISSION):
        raise PermissionDeniedError(
            N_("rescoring the portfolio needs the permission %(permission)s in every department"),
            permission=PERMISSION,
        )
    return user


Rescorer = Annotated[UserView, Depends(_rescorer)]
# an id no row can have is a 404 like any unknown id (engine.jobs.find_job)
RescoreId = Annotated[int, Path(description="the rescore's id")]


@router.post("/rescores", response_model=RescorePublic, status_code=202)
def post_rescore(
    user: Rescorer,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    response: Response,
    body: RescoreRequest | None = None,
) -> RescorePublic:
    """Start rescoring every customer stored now (audited as `job.started`); the server's
    sweeps (and `riskdesk rescore --resume`) process it in chunks. `202` with its progress."""
    request = body or RescoreRequest()
    with database.transaction() as session:
        job = start_rescore(
            session,
            actor=user.name,
            now=now,
            as_of=request.as_of,
            reason=request.reason,
            tz=settings.tz,
        )
        view = rescore_view(session, job)
    response.headers["Location"] = f"/api/v1/rescores/{view.id}"
    return RescorePublic.of(view)


@router.get("/rescores/{rescore_id}", response_model=RescorePublic)
def get_one_rescore(rescore_id: RescoreId, user: Rescorer, database: DbDep) -> RescorePublic:
    """A rescore and its progress so far; `404` for an unknown id."""
    with database.transaction() as session:
        return RescorePublic.of(get_rescore(session, rescore_id))


@router.get("/rescores", response_model=RescorePage)
def get_rescores(
    user: Rescorer,
    database: DbDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> RescorePage:
    """The rescores, newest first, a page at a time."""
    with database.transaction() as session:
        page = list_rescores(session, cursor=cursor, limit=limit)
    return RescorePage(
        items=[RescorePublic.of(item) for item in page.items], next_cursor=page.next_cursor
    )
