"""Server-rendered pages: login, customers, customer detail, approval inbox, case page.

Each page reads the request, calls the engine inside one transaction and renders one template with
plain values (engine views, strings, numbers). They work without JavaScript; with htmx present
(web/static/htmx.min.js), the lists refresh in place, and an htmx request gets the template's
`results` block only. Every form post carries the session's CSRF token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from engine import specs
from engine.cases import get_case, list_cases, take_action
from engine.customers import get_customer, list_customers
from engine.errors import NotConfiguredError
from engine.explanations import list_assessments
from engine.users import authenticate
from web.deps import (
    DbDep,
    HxRequest,
    LanguageDep,
    NowDep,
    PageSession,
    PageUser,
    SettingsDep,
)
from web.errors import CsrfError
from web.sessions import (
    COOKIE_NAME,
    MAX_AGE_SECONDS,
    SessionData,
    csrf_matches,
    encode_session,
    new_session,
)

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
HISTORY_SIZE = 20


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    block: str | None = None,
) -> Response:
    """Template `name` with `context` plus the signed-in user and CSRF token; only `block` of it
    for an htmx request."""
    templates: Jinja2Templates = request.app.state.templates
    full = {
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        **context,
    }
    if block is not None:
        template = templates.get_template(name)
        html = "".join(template.blocks[block](template.new_context({"request": request, **full})))
        return HTMLResponse(html, status_code=status_code)
    return templates.TemplateResponse(request, name, full, status_code=status_code)


def _set_session(response: Response, session: SessionData, request: Request) -> None:
    response.set_cookie(
        COOKIE_NAME,
        encode_session(session, secret_key=request.app.state.keys.secret_key),
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="lax",
        path="/",
    )


def _safe_next(target: str | None) -> str:
    # Only paths on this site: never "//host" or "https://host".
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/customers"
    return target


def _check_csrf(session: SessionData | None, token: str | None) -> None:
    if not csrf_matches(session, token):
        raise CsrfError()


def _tiers(session: Session) -> list[str]:
    try:
        return list(specs.scoring_ruleset(session).meta.get("tiers") or ())
    except NotConfiguredError:
        return []


# --- signing in and out ------------------------------------------------------------------------


@router.get("/login")
def login_page(
    request: Request, session: PageSession, settings: SettingsDep, next: str | None = None
) -> Response:
    if session is not None and session.user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    session = session or new_session()
    request.state.csrf_token = session.csrf_token
    context = {"next": _safe_next(next), "error": None, "username": ""}
    response = render(request, "login.html", context)
    _set_session(response, session, request)
    return response


@router.post("/login")
def login(
    request: Request,
    session: PageSession,
    settings: SettingsDep,
    database: DbDep,
    now: NowDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/customers",
) -> Response:
    _check_csrf(session, csrf_token)
    with database.transaction() as db_session:
        user = authenticate(db_session, username.strip(), password, now=now)
    if user is None:
        return render(
            request,
            "login.html",
            {
                "next": _safe_next(next),
                "error": "Unknown user name or wrong password.",
                "username": username,
            },
            status_code=401,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    # A fresh session (and CSRF token) on every sign-in.
    _set_session(response, new_session(user.name), request)
    return response


@router.post("/logout")
def logout(session: PageSession, csrf_token: Annotated[str, Form()] = "") -> Response:
    _check_csrf(session, csrf_token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


# --- customers ---------------------------------------------------------------------------------


@router.get("/")
def home(user: PageUser) -> Response:
    return RedirectResponse("/customers", status_code=303)


@router.get("/customers")
def customers_page(
    request: Request,
    user: PageUser,
    database: DbDep,
    hx: HxRequest,
    tier: str | None = None,
    search: str | None = None,
    cursor: str | None = None,
) -> Response:
    tier = tier or None
    search = (search or "").strip() or None
    with database.transaction() as session:
        page = list_customers(session, tier=tier, search=search, cursor=cursor, limit=PAGE_SIZE)
        tiers = _tiers(session)
    context = {
        "customers": page.items,
        "next_cursor": page.next_cursor,
        "tier": tier,
        "search": search or "",
        "tiers": tiers,
    }
    return render(request, "customers.html", context, block="results" if hx else None)


@router.get("/customers/{ref}")
def customer_page(
    request: Request,
    ref: str,
    user: PageUser,
    database: DbDep,
    language: LanguageDep,
    history_cursor: str | None = None,
) -> Response:
    with database.transaction() as session:
        customer = get_customer(session, ref)
        history = list_assessments(session, ref, cursor=history_cursor, limit=HISTORY_SIZE)
    assessment = customer.assessment
    explanation = assessment.explanation.get(language, ()) if assessment else ()
    change = (assessment.change or {}).get(language) if assessment else None
    context = {
        "customer": customer,
        "language": language,
        "explanation": explanation,
        "change": change,
        "history": history.items,  # each `change_summary` is language → text
        "history_next_cursor": history.next_cursor,
    }
    return render(request, "customer.html", context)


# --- cases -------------------------------------------------------------------------------------


@router.get("/inbox")
def inbox_page(
    request: Request, user: PageUser, database: DbDep, hx: HxRequest, cursor: str | None = None
) -> Response:
    with database.transaction() as session:
        page = list_cases(session, status="open", roles=user.roles, cursor=cursor, limit=PAGE_SIZE)
    context = {"cases": page.items, "next_cursor": page.next_cursor, "roles": sorted(user.roles)}
    return render(request, "inbox.html", context, block="results" if hx else None)


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: int, user: PageUser, database: DbDep) -> Response:
    with database.transaction() as session:
        case = get_case(session, case_id, roles=user.roles)
    return render(request, "case.html", {"case": case})


@router.post("/cases/{case_id}/actions/{action}")
def case_action(
    case_id: int,
    action: str,
    user: PageUser,
    session: PageSession,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    csrf_token: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    expected_version: Annotated[int | None, Form()] = None,
) -> Response:
    _check_csrf(session, csrf_token)
    with database.transaction() as db_session:
        take_action(
            db_session,
            case_id,
            action,
            actor=user.name,
            roles=user.roles,
            comment=comment.strip() or None,
            data=None,
            expected_version=expected_version,
            now=now,
            tz=settings.tz,
        )
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
