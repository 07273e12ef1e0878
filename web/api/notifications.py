"""Your notifications (the bell) and your delegations: any signed-in caller or token holder,
for their own only; an admin (`users:admin`) may set a delegation for another user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from engine.clock import parse_time
from engine.delegations import list_delegations, revoke, set_delegation
from engine.errors import N_, InvalidRequestError, NotFoundError
from engine.notifications import list_notifications, mark_all_read, mark_read, unread_count
from engine.pagination import MAX_LIMIT
from engine.types import is_row_id
from engine.users import UserView
from web.api.json_body import StrictJSONRoute
from web.deps import CurrentUser, DbDep, LanguageDep, NowDep, SettingsDep, require
from web.schemas_notifications import (
    DelegationCreate,
    DelegationList,
    DelegationPublic,
    NotificationPage,
    NotificationPublic,
    ReadAllPublic,
)

router = APIRouter(tags=["notifications"], route_class=StrictJSONRoute)

UserAdmin = Annotated[UserView, Depends(require("users:admin"))]


def _notification_id(
    notification_id: Annotated[int, Path(description="the notification's id")],
) -> int:
    if not is_row_id(notification_id):
        raise NotFoundError(N_("there is no notification %(id)s"), id=notification_id)
    return notification_id


def _delegation_id(delegation_id: Annotated[int, Path(description="the delegation's id")]) -> int:
    if not is_row_id(delegation_id):
        raise NotFoundError(N_("there is no delegation %(id)s"), id=delegation_id)
    return delegation_id


NotificationId = Annotated[int, Depends(_notification_id)]
DelegationId = Annotated[int, Depends(_delegation_id)]


@router.get("/notifications", response_model=NotificationPage)
def get_notifications(
    user: CurrentUser,
    database: DbDep,
    language: LanguageDep,
    unread: Annotated[bool, Query(description="only the unread ones")] = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> NotificationPage:
    """Your notifications, the newest first, a page at a time, with your unread count."""
    with database.transaction() as session:
        page = list_notifications(
            session, user.name, read=False if unread else None, cursor=cursor, limit=limit
        )
        count = unread_count(session, user.name)
    return NotificationPage(
        items=[NotificationPublic.of(n, language) for n in page.items],
        next_cursor=page.next_cursor,
        unread=count,
    )


@router.post("/notifications/{notification_id}/read", response_model=NotificationPublic)
def post_read(
    notification_id: NotificationId,
    user: CurrentUser,
    database: DbDep,
    language: LanguageDep,
    now: NowDep,
) -> NotificationPublic:
    """Mark one of your notifications read (again: unchanged); another's is a 404."""
    with database.transaction() as session:
        view = mark_read(session, user.name, notification_id, now=now)
    return NotificationPublic.of(view, language)


@router.post("/notifications/read-all", response_model=ReadAllPublic)
def post_read_all(user: CurrentUser, database: DbDep, now: NowDep) -> ReadAllPublic:
    """Mark all your notifications read."""
    with database.transaction() as session:
        marked = mark_all_read(session, user.name, now=now)
    return ReadAllPublic(marked=marked, unread=0)


# --- delegations -------------------------------------------------------------------------------


def _create(
    body: DelegationCreate,
    *,
    user: str,
    actor: str,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
) -> DelegationPublic:
    times = {}
    for name in ("starts_at", "ends_at"):
        try:
            times[name] = parse_time(getattr(body, name), tz=settings.tz)
        except ValueError as exc:
            raise InvalidRequestError(
                N_("%(field)s: %(problem)s"), field=name, problem=str(exc)
            ) from exc
    with database.transaction() as session:
        view = set_delegation(
            session,
            user=user,
            delegate=body.delegate,
            comment=body.comment,
            actor=actor,
            now=now,
            **times,
        )
    return DelegationPublic.of(view)


@router.get("/me/delegations", response_model=DelegationList)
def get_delegations(user: CurrentUser, database: DbDep, now: NowDep) -> DelegationList:
    """The delegations you gave and those given to you, the newest first."""
    with database.transaction() as session:
        views = list_delegations(session, user.name, now=now)
    return DelegationList(items=[DelegationPublic.of(v) for v in views])


@router.post("/me/delegations", status_code=201, response_model=DelegationPublic)
def post_delegation(
    body: DelegationCreate, user: CurrentUser, database: DbDep, settings: SettingsDep, now: NowDep
) -> DelegationPublic:
    """Hand your cases and notifications to `delegate` from `starts_at` until `ends_at`: 422
    for yourself, an unknown or disabled delegate, a bad period (at most 180 days); 409 when it
    overlaps another of yours."""
    return _create(
        body, user=user.name, actor=user.name, database=database, settings=settings, now=now
    )


@router.delete("/me/delegations/{delegation_id}", response_model=DelegationPublic)
def delete_delegation(
    delegation_id: DelegationId, user: CurrentUser, database: DbDep, now: NowDep
) -> DelegationPublic:
    """End one of your delegations now (another's is a 404; one already over a 409)."""
    with database.transaction() as session:
        view = revoke(session, delegation_id, user=user.name, actor=user.name, now=now)
    return DelegationPublic.of(view)


@router.post("/users/{name}/delegations", status_code=201, response_model=DelegationPublic)
def post_user_delegation(
    name: Annotated[str, Path(max_length=100)],
    body: DelegationCreate,
    user: UserAdmin,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
) -> DelegationPublic:
    """Set a delegation for user `name` (an absence they could not set themselves); needs
    `users:admin`."""
    return _create(body, user=name, actor=user.name, database=database, settings=settings, now=now)
