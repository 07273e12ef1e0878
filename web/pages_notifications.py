"""The notifications page and the bell: your notifications (unread first, highlighted), marking
one or all read, and the bell's unread count that the header of every page shows.

The header renders the count with the page (web.pages.render); htmx refreshes the bell
(`GET /notifications/bell`) every minute and whenever an answer carries the
`notifications-changed` trigger, as marking read does. Without htmx the forms post and come back
to this page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from engine.errors import N_, NotFoundError
from engine.notifications import (
    NotificationView,
    list_notifications,
    mark_all_read,
    mark_read,
    unread_count,
)
from engine.types import is_row_id
from web.deps import DbDep, HxRequest, NowDep, PageSession, PageUser
from web.i18n import PageLanguageDep
from web.notification_texts import notification_text
from web.pages import check_csrf, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# the event an answer triggers (HX-Trigger) to have the bell fetch its count again
CHANGED = "notifications-changed"
Csrf = Annotated[str, Form(max_length=200)]


def _rows(items: tuple[NotificationView, ...], language: str) -> list[dict[str, object]]:
    """Plain values for the template: each notification with its text in `language`."""
    return [
        {
            "id": n.id,
            "text": notification_text(n, language),
            "link": n.link,
            "customer_ref": n.customer_ref,
            "case_id": n.case_id,
            "created_at": n.created_at,
            "is_read": n.is_read,
            "for": n.on_behalf_of,
        }
        for n in items
    ]


def _page(
    request: Request,
    user_name: str,
    *,
    database: DbDep,
    language: str,
    cursor: str | None,
    block: str | None,
) -> Response:
    with database.transaction() as session:
        unread = list_notifications(session, user_name, read=False, limit=PAGE_SIZE)
        earlier = list_notifications(session, user_name, read=True, cursor=cursor, limit=PAGE_SIZE)
        count = unread_count(session, user_name)
    context = {
        "unread": _rows(unread.items, language),
        "earlier": _rows(earlier.items, language),
        "next_cursor": earlier.next_cursor,
        "unread_notifications": count,
    }
    response = render(request, "notifications.html", context, block=block)
    if block is not None:
        response.headers["HX-Trigger"] = CHANGED
    return response


@router.get("/notifications")
def notifications_page(
    request: Request,
    user: PageUser,
    database: DbDep,
    language: PageLanguageDep,
    hx: HxRequest,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    return _page(
        request,
        user.name,
        database=database,
        language=language,
        cursor=cursor,
        block="results" if hx else None,
    )


@router.get("/notifications/bell")
def bell(request: Request, user: PageUser, database: DbDep) -> Response:
    """The bell alone, with the current unread count (for htmx)."""
    with database.transaction() as session:
        count = unread_count(session, user.name)
    return render(request, "bell.html", {"unread_notifications": count})


def _after_change(
    request: Request, user: str, *, database: DbDep, language: str, hx: bool
) -> Response:
    if not hx:
        return RedirectResponse("/notifications", status_code=303)
    return _page(request, user, database=database, language=language, cursor=None, block="results")


@router.post("/notifications/{notification_id}/read")
def read_one(
    request: Request,
    notification_id: Annotated[int, Path()],
    user: PageUser,
    session: PageSession,
    database: DbDep,
    language: PageLanguageDep,
    hx: HxRequest,
    now: NowDep,
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(session, csrf_token)
    if not is_row_id(notification_id):
        raise NotFoundError(N_("there is no notification %(id)s"), id=notification_id)
    with database.transaction() as db_session:
        mark_read(db_session, user.name, notification_id, now=now)
    return _after_change(request, user.name, database=database, language=language, hx=hx)


@router.post("/notifications/read-all")
def read_all(
    request: Request,
    user: PageUser,
    session: PageSession,
    database: DbDep,
    language: PageLanguageDep,
    hx: HxRequest,
    now: NowDep,
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(session, csrf_token)
    with database.transaction() as db_session:
        mark_all_read(db_session, user.name, now=now)
    return _after_change(request, user.name, database=database, language=language, hx=hx)
