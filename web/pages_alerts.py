"""The alerts page (issue 12): the alerts of the customers in your departments, filtered by
status, severity and department, each linked to its customer, acknowledged in place with a
comment (htmx; without it the form posts and comes back here)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from engine import alerts
from engine.errors import ConflictError, InvalidRequestError
from engine.users import UserView, list_departments
from web.deps import DbDep, HxRequest, NowDep, PageReader, PageSession, page_require
from web.errors import page_detail
from web.i18n import N_, PageLanguageDep, gettext
from web.pages import check_csrf, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# the filters' choices, in words (the page says them in its language)
STATUSES = {
    "active": N_("Active (open and acknowledged)"),
    "open": N_("Open"),
    "acknowledged": N_("Acknowledged"),
    "resolved": N_("Resolved"),
    "all": N_("All"),
}
SEVERITIES = {"critical": N_("critical"), "warning": N_("warning"), "info": N_("info")}
PageAcknowledger = Annotated[UserView, Depends(page_require("alerts:acknowledge"))]


def _page(
    request: Request,
    user: UserView,
    *,
    database: DbDep,
    status: str,
    severity: str | None,
    department: str | None,
    cursor: str | None,
    block: str | None,
    language: str,
    problem: tuple[int, str] | None = None,
    status_code: int = 200,
) -> Response:
    scope = user.access.departments_for("customers:read")
    with database.transaction() as session:
        page = alerts.list_alerts(
            session,
            status=None if status == "all" else status,
            severity=severity,
            department=department,
            cursor=cursor,
            limit=PAGE_SIZE,
            scope=scope,
        )
        counts = alerts.count_active(session, scope=scope)
        departments = [d for d in list_departments(session) if scope is None or d in scope]
    context = {
        "alerts": page.items,
        "next_cursor": page.next_cursor,
        "counts": counts,
        "status": status,
        "severity": severity or "",
        "department": department or "",
        "status_names": {s: gettext(language, name) for s, name in STATUSES.items()},
        "severity_names": {s: gettext(language, name) for s, name in SEVERITIES.items()},
        "departments": departments,
        "may_acknowledge": {
            a.id for a in page.items if user.can("alerts:acknowledge", a.department)
        },
        "problem": problem[1] if problem else None,
        "problem_alert": problem[0] if problem else None,
    }
    return render(request, "alerts.html", context, block=block, status_code=status_code)


@router.get("/alerts")
def alerts_page(
    request: Request,
    user: PageReader,
    database: DbDep,
    hx: HxRequest,
    language: PageLanguageDep,
    status: Annotated[str, Query(max_length=20)] = "active",
    severity: Annotated[str | None, Query(max_length=20)] = None,
    department: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    return _page(
        request,
        user,
        database=database,
        status=status if status in STATUSES else "active",
        severity=severity if severity in alerts.SEVERITIES else None,
        department=department or None,
        cursor=cursor,
        block="results" if hx else None,
        language=language,
    )


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(
    request: Request,
    alert_id: Annotated[int, Path()],
    user: PageAcknowledger,
    session: PageSession,
    database: DbDep,
    hx: HxRequest,
    language: PageLanguageDep,
    now: NowDep,
    comment: Annotated[str, Form(max_length=alerts.MAX_COMMENT)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Acknowledge the alert with `comment`; a refusal (no comment, resolved or acknowledged
    meanwhile) is shown beside it."""
    check_csrf(session, csrf_token)
    try:
        with database.transaction() as db:
            alerts.acknowledge(
                db,
                alert_id,
                comment=comment,
                actor=user.name,
                now=now,
                scope=user.access.departments_for("alerts:acknowledge"),
            )
    except (InvalidRequestError, ConflictError) as exc:
        return _page(
            request,
            user,
            database=database,
            status="active",
            severity=None,
            department=None,
            cursor=None,
            block="results" if hx else None,
            language=language,
            problem=(alert_id, page_detail(request, exc)),
            # htmx swaps a 200 only: the refusal is said in the block it swaps in
            status_code=200 if hx else (409 if isinstance(exc, ConflictError) else 422),
        )
    if not hx:
        return RedirectResponse("/alerts", status_code=303)
    return _page(
        request,
        user,
        database=database,
        status="active",
        severity=None,
        department=None,
        cursor=None,
        block="results",
        language=language,
    )
