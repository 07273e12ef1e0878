"""Cases: the inbox, one case, and taking an action on it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from engine.cases import get_case, list_cases, take_action
from engine.errors import N_, NotFoundError
from engine.manual_cases import start_manually
from engine.pagination import MAX_LIMIT
from engine.spec_changes import may_publish
from engine.types import is_row_id
from web.api.json_body import StrictJSONRoute
from web.deps import CaseActor, CaseStarter, DbDep, NowDep, Reader, SettingsDep
from web.schemas import (
    CaseActionRequest,
    CasePage,
    CasePublic,
    CaseStartRequest,
    CaseSummaryPublic,
)

router = APIRouter(tags=["cases"], route_class=StrictJSONRoute)


def _case_id(case_id: Annotated[int, Path(description="the case's id")]) -> int:
    # an id no row can have (engine.types.MAX_ROW_ID) is a 404 like any unknown id
    if not is_row_id(case_id):
        raise NotFoundError(N_("there is no case %(id)s"), id=case_id)
    return case_id


CaseId = Annotated[int, Depends(_case_id)]


@router.get("/cases", response_model=CasePage)
def get_cases(
    user: Reader,
    database: DbDep,
    now: NowDep,
    status: Literal["open", "closed"] | None = None,
    assigned: Annotated[
        Literal["me"] | None,
        Query(description="`me`: only the cases you may act on (your inbox's Mine tab)"),
    ] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> CasePage:
    """Cases in opening order, a page at a time."""
    with database.transaction() as session:
        page = list_cases(
            session,
            status=status,
            assigned_to=user.access if assigned == "me" else None,
            scope=user.access.departments_for("customers:read"),
            spec_changes=may_publish(user.access),
            actor=user.name,
            now=now,
            cursor=cursor,
            limit=limit,
        )
    return CasePage(
        items=[CaseSummaryPublic.of(c) for c in page.items], next_cursor=page.next_cursor
    )


@router.get("/cases/{case_id}", response_model=CasePublic)
def get_one_case(case_id: CaseId, user: Reader, database: DbDep, now: NowDep) -> CasePublic:
    """A case with its history and the actions you may take now (with your roles, or those of
    someone you stand in for as their delegate), four eyes applied."""
    with database.transaction() as session:
        case = get_case(
            session,
            case_id,
            access=user.access,
            scope=user.access.departments_for("customers:read"),
            actor=user.name,
            now=now,
        )
    return CasePublic.of(case)


@router.post("/cases/{case_id}/actions/{action}", response_model=CasePublic)
def post_action(
    case_id: CaseId,
    action: str,
    user: CaseActor,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    body: CaseActionRequest | None = None,
) -> CasePublic:
    """Take `action` on the case's current step: 403 when your roles may not, 409 when the case
    moved on (closed, or not at `expected_version`), 422 for an unknown action or a missing
    comment."""
    body = body or CaseActionRequest()
    with database.transaction() as session:
        case = take_action(
            session,
            case_id,
            action,
            actor=user.name,
            access=user.access,
            scope=user.access.departments_for("customers:read"),
            comment=body.comment,
            data=body.data,
            expected_version=body.expected_version,
            now=now,
            tz=settings.tz,
        )
    return CasePublic.of(case)


@router.post("/customers/{ref}/cases", response_model=CasePublic, status_code=201)
def post_manual_case(
    ref: str,
    body: CaseStartRequest,
    user: CaseStarter,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
) -> CasePublic:
    """Start a `manual` workflow (a review) for the customer: 409 when one is already open,
    422 when the workflow's condition does not hold for the customer."""
    scope = user.access.departments_for("customers:read")
    with database.transaction() as session:
        case_id = start_manually(
            session,
            ref,
            body.workflow,
            actor=user.name,
            access=user.access,
            scope=scope,
            comment=body.comment,
            now=now,
            tz=settings.tz,
        )
        case = get_case(session, case_id, access=user.access, scope=scope, actor=user.name, now=now)
    return CasePublic.of(case)
