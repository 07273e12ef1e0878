"""The pages of one's own account: signing in and out, the password, the live sessions, and
one's delegations (who handles one's cases while one is away).

Signing in is throttled (engine.logins); the login form is guarded by the signed sign-in cookie's
CSRF token, every later form by the server-side session's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from engine.clock import parse_time
from engine.delegations import list_delegations, revoke, set_delegation
from engine.errors import N_, ConflictError, EngineError, InvalidRequestError, NotFoundError
from engine.logins import (
    SignInRefused,
    SignInRefusedError,
    change_password,
    list_sessions,
    revoke_sessions,
    sign_in,
    sign_out,
)
from engine.types import is_row_id
from web.deps import (
    DbDep,
    LoginForm,
    NowDep,
    PageSession,
    PageUser,
    SettingsDep,
    client_address,
)
from web.errors import CsrfError, page_detail
from web.pages import check_csrf, render
from web.sessions import (
    LOGIN_COOKIE,
    LOGIN_MAX_AGE_SECONDS,
    MAX_AGE_SECONDS,
    SESSION_COOKIE,
    csrf_matches,
    encode_session,
    new_session,
)

router = APIRouter(include_in_schema=False)

HOME = "/"


def _safe_next(target: str | None) -> str:
    # Only paths on this site: never "//host", "/\\host" or "https://host".
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return HOME
    return target


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def _login_form(
    request: Request, *, next: str, error: str | None, username: str, status_code: int = 200
) -> Response:
    """The sign-in page with a fresh signed CSRF cookie."""
    form = new_session()
    request.state.csrf_token = form.csrf_token
    context = {"next": _safe_next(next), "error": error, "username": username}
    response = render(request, "login.html", context, status_code=status_code)
    secret_key = request.app.state.keys.secret_key
    _set_cookie(
        request,
        response,
        LOGIN_COOKIE,
        encode_session(form, secret_key=secret_key),
        LOGIN_MAX_AGE_SECONDS,
    )
    return response


@router.get("/login")
def login_page(request: Request, session: PageSession, next: str | None = None) -> Response:
    if session is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_form(request, next=next or HOME, error=None, username="")


@router.post("/login")
def login(
    request: Request,
    form: LoginForm,
    database: DbDep,
    now: NowDep,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = HOME,
) -> Response:
    if not csrf_matches(form.csrf_token if form else None, csrf_token):
        raise CsrfError()
    with database.transaction() as db_session:
        signed_in = sign_in(
            db_session,
            username,
            password,
            address=client_address(request),
            user_agent=request.headers.get("user-agent"),
            now=now,
        )
    if isinstance(signed_in, SignInRefused):
        if signed_in.retry_after is None:
            return _login_form(
                request, next=next, error="refused", username=username, status_code=401
            )
        response = _login_form(
            request, next=next, error="locked", username=username, status_code=429
        )
        response.headers["Retry-After"] = str(signed_in.retry_after)
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, signed_in.secret, MAX_AGE_SECONDS)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    with database.transaction() as db_session:
        sign_out(db_session, request.cookies.get(SESSION_COOKIE), now=now)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- the account page --------------------------------------------------------------------------


def _account(
    request: Request,
    user_name: str,
    *,
    database: DbDep,
    now: NowDep,
    current_id: int,
    message: str | None = None,
    error: str | None = None,
    delegation_error: str | None = None,
    delegation_form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with database.transaction() as db_session:
        sessions = list_sessions(db_session, user_name, now=now)
        delegations = list_delegations(db_session, user_name, now=now)
    context = {
        "sessions": sessions,
        "current_session_id": current_id,
        "message": message,
        "error": error,
        "delegations": delegations,
        "user_name": user_name,
        "delegation_form": delegation_form or {},
        "delegation_error": delegation_error,
        "now": now,
    }
    return render(request, "account.html", context, status_code=status_code)


@router.get("/account")
def account_page(
    request: Request, user: PageUser, session: PageSession, database: DbDep, now: NowDep
) -> Response:
    assert session is not None
    return _account(request, user.name, database=database, now=now, current_id=session.id)


@router.post("/account/password")
def account_password(
    request: Request,
    user: PageUser,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    current_password: Annotated[str, Form(max_length=1000)],
    new_password: Annotated[str, Form(max_length=1000)],
    confirm_password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    assert session is not None
    error: str | None = None
    if new_password != confirm_password:
        error = "mismatch"
    else:
        try:
            with database.transaction() as db_session:
                change_password(
                    db_session,
                    user.name,
                    current_password,
                    new_password,
                    keep_session_id=session.id,
                    now=now,
                )
        except SignInRefusedError:
            error = "wrong_current"
        except InvalidRequestError as exc:
            error = page_detail(request, exc)
    return _account(
        request,
        user.name,
        database=database,
        now=now,
        current_id=session.id,
        message=None if error else "password_changed",
        error=error,
        status_code=422 if error else 200,
    )


@router.post("/account/sessions/{session_id}/revoke")
def account_revoke_session(
    request: Request,
    session_id: int,
    user: PageUser,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    with database.transaction() as db_session:
        revoke_sessions(db_session, user.name, actor=user.name, now=now, session_id=session_id)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/logout-everywhere")
def account_logout_everywhere(
    request: Request,
    user: PageUser,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    with database.transaction() as db_session:
        revoke_sessions(db_session, user.name, actor=user.name, now=now)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- delegations -------------------------------------------------------------------------------


@router.post("/account/delegations")
def account_delegate(
    request: Request,
    user: PageUser,
    session: PageSession,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    delegate: Annotated[str, Form(max_length=100)],
    starts_at: Annotated[str, Form(max_length=64)],
    ends_at: Annotated[str, Form(max_length=64)],
    comment: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Hand one's cases to `delegate` for a period; a refusal comes back on the page, with what
    was typed."""
    check_csrf(session, csrf_token)
    assert session is not None
    try:
        times = {}
        for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
            try:
                times[name] = parse_time(value, tz=settings.tz)
            except ValueError as exc:
                raise InvalidRequestError(N_("that is not a date and time")) from exc
        with database.transaction() as db_session:
            set_delegation(
                db_session,
                user=user.name,
                delegate=delegate,
                comment=comment,
                actor=user.name,
                now=now,
                **times,
            )
    except EngineError as exc:
        typed = {"delegate": delegate, "starts_at": starts_at, "ends_at": ends_at}
        return _account(
            request,
            user.name,
            database=database,
            now=now,
            current_id=session.id,
            delegation_error=page_detail(request, exc),
            delegation_form={**typed, "comment": comment},
            status_code=409 if isinstance(exc, ConflictError) else 422,
        )
    return RedirectResponse("/account#delegations", status_code=303)


@router.post("/account/delegations/{delegation_id}/revoke")
def account_revoke_delegation(
    delegation_id: Annotated[int, Path()],
    user: PageUser,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    if not is_row_id(delegation_id):
        raise NotFoundError(N_("there is no delegation %(id)s"), id=delegation_id)
    with database.transaction() as db_session:
        revoke(db_session, delegation_id, user=user.name, actor=user.name, now=now)
    return RedirectResponse("/account#delegations", status_code=303)
