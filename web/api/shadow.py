"""Shadow runs of a ruleset's draft: start, compare with the published ruleset, stop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from engine.clock import parse_time
from engine.errors import N_, InvalidRequestError
from engine.pagination import MAX_LIMIT
from engine.shadow import compare_shadow, start_shadow, stop_shadow
from web.api.drafts import Key
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, NowDep, SettingsDep, SpecEditor
from web.schemas_shadow import ShadowComparisonPublic, ShadowRunPublic, ShadowStart, run_public

router = APIRouter(tags=["rulesets"], route_class=StrictJSONRoute)


@router.post("/rulesets/{key}/draft/shadow", status_code=201, response_model=ShadowRunPublic)
def post_shadow(
    key: Key,
    body: ShadowStart,
    user: SpecEditor,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
) -> ShadowRunPublic:
    """Run the draft beside the published ruleset on every upsert and event until `until`,
    acting on nothing. A draft with errors, or a past `until`, is a 422; a run already going
    is a 409."""
    try:
        until = parse_time(body.until, tz=settings.tz)
    except ValueError as exc:
        raise InvalidRequestError(N_("until: %(problem)s"), problem=str(exc)) from exc
    with database.transaction() as session:
        run = start_shadow(session, key, until=until, actor=user.name, now=now)
    return run_public(run)


@router.get("/rulesets/{key}/draft/shadow", response_model=ShadowComparisonPublic)
def get_shadow(
    key: Key,
    user: SpecEditor,
    database: DbDep,
    now: NowDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> ShadowComparisonPublic:
    """The latest shadow run of ruleset `key` compared: tiers, alerts and cases of each side,
    and the customers (in your departments) where they differ, a page at a time."""
    with database.transaction() as session:
        compared = compare_shadow(
            session,
            key,
            scope=user.access.departments_for("customers:read"),
            now=now,
            cursor=cursor,
            limit=limit,
        )
    return ShadowComparisonPublic.of(compared)


@router.delete("/rulesets/{key}/draft/shadow", response_model=ShadowRunPublic)
def delete_shadow(key: Key, user: SpecEditor, database: DbDep, now: NowDep) -> ShadowRunPublic:
    """Stop the running shadow run of ruleset `key`; its results stay. 404 when none runs."""
    with database.transaction() as session:
        run = stop_shadow(session, key, actor=user.name, now=now)
    return run_public(run)
