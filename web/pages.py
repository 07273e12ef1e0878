"""Server-rendered pages: customer detail and starting a manual workflow from it, the
language switch (the dashboard at `/`: web.pages_dashboard; the customer list:
web.pages_customers; the inbox and the case page: web.pages_cases).

Each page reads the request, calls the engine inside one transaction and renders one template with
plain values (engine views, strings, numbers). They work without JavaScript; with htmx present
(web/static/htmx.min.js), the lists refresh in place, and an htmx request gets the template's
`results` block only. Every form post carries the session's CSRF token.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from engine import specs
from engine.customer_overview import customer_overview
from engine.db import Database
from engine.errors import NotConfiguredError
from engine.logins import SessionView
from engine.manual_cases import start_manually
from engine.notifications import unread_count
from engine.preferences import set_language
from engine.scoping import Scope
from engine.users import UserView
from web.deps import (
    DbDep,
    HxRequest,
    LoginForm,
    NowDep,
    PageCaseStarter,
    PageSession,
    PageUser,
    SettingsDep,
)
from web.errors import CsrfError
from web.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGE_COOKIE_MAX_AGE,
    N_,
    PageLanguageDep,
    gettext,
    page_language,
    switch_target,
)
from web.sessions import csrf_matches
from web.svg_charts import Point, line_chart

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# as the API's (web.schemas.CaseStartRequest)
MAX_START_COMMENT = 4000


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    block: str | None = None,
) -> Response:
    """Template `name` with `context` plus the signed-in user, CSRF token, page language
    (web.i18n) and, for a whole page, the user's unread notifications (the header's bell); only
    `block` of it for an htmx request."""
    templates: Jinja2Templates = request.app.state.templates
    user = getattr(request.state, "user", None)
    if user is not None and block is None and "unread_notifications" not in context:
        # the bell in the header (web/templates/bell.html)
        database: Database = request.app.state.database
        with database.transaction() as session:
            context = {**context, "unread_notifications": unread_count(session, user.name)}
    full = {
        "user": user,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "page_language": page_language(request),
        "language_next": switch_target(request),
        **context,
    }
    if block is not None:
        template = templates.get_template(name)
        html = "".join(template.blocks[block](template.new_context({"request": request, **full})))
        return HTMLResponse(html, status_code=status_code)
    return templates.TemplateResponse(request, name, full, status_code=status_code)


def check_csrf(session: SessionView | None, token: str | None) -> None:
    """Refuse a form post whose CSRF token is not the signed-in session's (CsrfError: 403)."""
    if not csrf_matches(session.csrf_token if session else None, token):
        raise CsrfError()


def _read_scope(user: UserView) -> Scope:
    return user.access.departments_for("customers:read")


# --- customers ---------------------------------------------------------------------------------


def _tiers(session: Session) -> list[str]:
    """The scoring ruleset's tiers, in its order (none before a template is imported)."""
    try:
        return list(specs.scoring_ruleset(session).meta.get("tiers") or ())
    except NotConfiguredError:
        return []


@router.get("/customers/{ref}")
def customer_page(
    request: Request,
    ref: str,
    user: PageUser,
    database: DbDep,
    language: PageLanguageDep,
    hx: HxRequest,
    history_cursor: Annotated[str | None, Query(max_length=200)] = None,
    terms_cursor: Annotated[str | None, Query(max_length=200)] = None,
    event_kind: Annotated[str | None, Query(max_length=100)] = None,
    events_cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The customer's page (engine.customer_overview); with htmx, its events block alone (the
    kind filter and the events' pages)."""
    with database.transaction() as session:
        overview = customer_overview(
            session, ref, viewer=user, access=user.access, scope=_read_scope(user),
            language=language, tiers=tuple(_tiers(session)), history_cursor=history_cursor,
            terms_cursor=terms_cursor, event_kind=event_kind or None, events_cursor=events_cursor,
        )  # fmt: skip
    points = [
        Point(p.as_of.isoformat(), float(p.score), f"tier-{p.tier}") for p in overview.scores
    ]
    title = gettext(language, N_("Score history"))
    context = {
        "overview": overview,
        # the latest assessments' scores, oldest first (the table below lists them all)
        "score_chart": line_chart(points, title=title, chart_id="chart-scores")
        if points
        else None,
        "customer": overview.customer,
        "fields": overview.fields,
        "language": language,
        "explanation": overview.explanation,
        "change": overview.change,
        "history": overview.history,  # each `change_summary` is language → text
        "history_next_cursor": overview.history_next_cursor,
        "cases": overview.cases,  # open ones first, then newest first
        "orders": overview.orders,
        "startable": overview.startable,
        "can_edit": overview.can_edit,
        "event_kind": event_kind or "",
    }
    return render(request, "customer.html", context, block="events" if hx else None)


@router.post("/customers/{ref}/cases")
def start_case(
    ref: str,
    user: PageCaseStarter,
    session: PageSession,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    workflow: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    comment: Annotated[str, Form(max_length=MAX_START_COMMENT)] = "",
) -> Response:
    """Start the manual workflow `workflow` for customer `ref` (the customer page's "Start"
    buttons), then on to the new case's page. An open case of it is a 409 whose error page
    links to that case (web.errors)."""
    check_csrf(session, csrf_token)
    with database.transaction() as db_session:
        case_id = start_manually(
            db_session,
            ref,
            workflow,
            actor=user.name,
            access=user.access,
            scope=_read_scope(user),
            comment=comment.strip() or None,
            now=now,
            tz=settings.tz,
        )
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


# --- the language switch -----------------------------------------------------------------------


@router.post("/language")
def choose_language(
    request: Request,
    session: PageSession,
    form: LoginForm,
    database: DbDep,
    now: NowDep,
    language: Annotated[Literal["en", "zh"], Form()],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Show the pages in `language` from now on: a cookie for this browser and, for a signed-in
    user, their remembered choice (engine.preferences), then back to page `next`. Signed out
    (the login page), the form carries the sign-in cookie's CSRF token."""
    expected = session.csrf_token if session else form.csrf_token if form else None
    if not csrf_matches(expected, csrf_token):
        raise CsrfError()
    if session is not None:
        with database.transaction() as db_session:
            set_language(db_session, session.user.name, language, now=now)
    # Only paths on this site: never "//host", "/\\host" or "https://host".
    if not next.startswith("/") or next.startswith(("//", "/\\")):
        next = "/"
    response = RedirectResponse(next, status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response
