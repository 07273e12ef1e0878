"""The administration pages: users, their grants and passwords, and API tokens.

Only holders of `users:admin` everywhere (a global grant) use them: a grant in one department
does not let anyone manage users, whose grants may reach beyond it (docs/security.md,
"Administration"). Every form post checks the session's CSRF token and answers 303 back to its
page, or the page again with the error and 422. A new password or token secret is shown once, in
the answer to the post that made it (never stored, never in an address): that answer is the
page itself, sent with `Cache-Control: no-store`. The audit log pages are in web.pages_audit.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from engine.access import DEFAULT_ROLE_PERMISSIONS, PERMISSIONS
from engine.errors import N_, EngineError, InvalidRequestError, PermissionDeniedError
from engine.logins import check_new_password
from engine.tokens import TokenCreated, create_token, list_tokens, revoke_token_by_id
from engine.users import (
    UserView,
    add_user,
    grant_role,
    list_departments,
    list_users,
    revoke_role,
    role_permissions,
    set_active,
    set_password,
    user_view,
)
from engine.users import find_user_row as _user_row
from web import pages_audit
from web.deps import DbDep, NowDep, PageSession, PageUser, PageUserAdmin
from web.errors import page_detail
from web.pages import check_csrf, render

router = APIRouter(include_in_schema=False)
router.include_router(pages_audit.router)

# The expiry choices of a new token, in days; the first page offers the third.
TOKEN_LIFETIMES_DAYS = (7, 30, 90, 365)
DEFAULT_TOKEN_DAYS = 90
GENERATED_PASSWORD_BYTES = 12  # 16 characters of base64url
NO_STORE = {"Cache-Control": "no-store"}

_Text = Annotated[str, Form(max_length=200)]
_Csrf = Annotated[str, Form(max_length=200)]


def require_global_admin(user: UserView) -> UserView:
    """Refuse a user not holding `users:admin` everywhere (PermissionDeniedError: 403)."""
    if not user.can("users:admin"):
        raise PermissionDeniedError(
            N_("managing users needs the permission users:admin everywhere, not in a department")
        )
    return user


def generated_password() -> str:
    """A random password for a new user or a reset, shown once."""
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def _grant_rows(user: UserView) -> list[dict[str, Any]]:
    """The user's grants as rows of (role, department or None), global ones first."""
    access = user.access
    rows = [{"role": r, "department": None} for r in sorted(access.roles_everywhere)]
    for department in sorted(access.roles_by_department):
        rows += [
            {"role": r, "department": department}
            for r in sorted(access.roles_by_department[department])
        ]
    return rows


def _known_roles(session: Session) -> list[str]:
    names = {"admin", *DEFAULT_ROLE_PERMISSIONS, *role_permissions(session)}
    return sorted(names)


@router.get("/admin")
def admin_home(user: PageUser) -> Response:
    """The first administration page the user may use."""
    if user.can("users:admin"):
        return RedirectResponse("/admin/users", status_code=303)
    if user.access.can_anywhere("audit:read"):
        return RedirectResponse("/admin/audit", status_code=303)
    raise PermissionDeniedError(N_("this page needs the permission users:admin or audit:read"))


# --- users -------------------------------------------------------------------------------------


def _users_page(
    request: Request,
    database: DbDep,
    *,
    error: str | None = None,
    created: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with database.transaction() as session:
        users = list_users(session)
        departments = list_departments(session)
        roles = _known_roles(session)
    context = {
        "users": [{"user": u, "grants": _grant_rows(u)} for u in users],
        "departments": departments,
        "roles": roles,
        "error": error,
        "created": created,
        "form": form or {},
    }
    headers = NO_STORE if created else None
    response = render(request, "admin_users.html", context, status_code=status_code)
    response.headers.update(headers or {})
    return response


@router.get("/admin/users")
def users_page(request: Request, user: PageUserAdmin, database: DbDep) -> Response:
    require_global_admin(user)
    return _users_page(request, database)


@router.post("/admin/users")
def users_add(
    request: Request,
    user: PageUserAdmin,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    name: _Text,
    csrf_token: _Csrf = "",
    display_name: _Text = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    role: _Text = "",
    department: _Text = "",
) -> Response:
    check_csrf(session, csrf_token)
    require_global_admin(user)
    form = {"name": name, "display_name": display_name, "role": role, "department": department}
    chosen = password or generated_password()
    try:
        check_new_password(chosen, user_name=name.strip())
        with database.transaction() as db_session:
            added = add_user(
                db_session,
                name,
                roles=[role.strip()] if role.strip() else [],
                department=department.strip() or None,
                password=chosen,
                display_name=display_name.strip() or None,
                actor=user.name,
                now=now,
            )
    except EngineError as exc:
        return _users_page(
            request, database, error=page_detail(request, exc), form=form, status_code=422
        )
    created = {"name": added.name, "password": None if password else chosen}
    return _users_page(request, database, created=created)


def _user_page(
    request: Request,
    database: DbDep,
    name: str,
    *,
    now: datetime,
    error: str | None = None,
    new_password: str | None = None,
    status_code: int = 200,
) -> Response:
    with database.transaction() as session:
        shown = user_view(session, _user_row(session, name))
        tokens = list_tokens(session, user_name=shown.name, now=now)
        departments = list_departments(session)
        roles = _known_roles(session)
    context = {
        "shown": shown,
        "grants": _grant_rows(shown),
        "tokens": tokens,
        "departments": departments,
        "roles": roles,
        "error": error,
        "new_password": new_password,
    }
    response = render(request, "admin_user.html", context, status_code=status_code)
    if new_password:
        response.headers.update(NO_STORE)
    return response


def _back_to(name: str) -> Response:
    return RedirectResponse(f"/admin/users/{quote(name, safe='')}", status_code=303)


@router.get("/admin/users/{name:path}")
def user_page(
    request: Request, name: str, user: PageUserAdmin, database: DbDep, now: NowDep
) -> Response:
    require_global_admin(user)
    return _user_page(request, database, name, now=now)


@router.post("/admin/users/{name:path}/grants")
def user_grant(
    request: Request,
    name: str,
    user: PageUserAdmin,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    role: _Text,
    csrf_token: _Csrf = "",
    department: _Text = "",
) -> Response:
    check_csrf(session, csrf_token)
    require_global_admin(user)
    try:
        with database.transaction() as db_session:
            grant_role(
                db_session,
                name,
                role,
                department=department.strip() or None,
                actor=user.name,
                now=now,
            )
    except InvalidRequestError as exc:
        return _user_page(
            request, database, name, now=now, error=page_detail(request, exc), status_code=422
        )
    return _back_to(name)


@router.post("/admin/users/{name:path}/grants/revoke")
def user_revoke_grant(
    name: str,
    user: PageUserAdmin,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    role: _Text,
    csrf_token: _Csrf = "",
    department: _Text = "",
) -> Response:
    check_csrf(session, csrf_token)
    require_global_admin(user)
    with database.transaction() as db_session:
        revoke_role(db_session, name, role, department=department or None, actor=user.name, now=now)
    return _back_to(name)


@router.post("/admin/users/{name:path}/active")
def user_set_active(
    request: Request,
    name: str,
    user: PageUserAdmin,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    is_active: Annotated[bool, Form()],
    csrf_token: _Csrf = "",
) -> Response:
    check_csrf(session, csrf_token)
    require_global_admin(user)
    try:
        with database.transaction() as db_session:
            set_active(db_session, name, is_active, actor=user.name, now=now)
    except InvalidRequestError as exc:
        return _user_page(
            request, database, name, now=now, error=page_detail(request, exc), status_code=422
        )
    return _back_to(name)


@router.post("/admin/users/{name:path}/password")
def user_reset_password(
    request: Request,
    name: str,
    user: PageUserAdmin,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    csrf_token: _Csrf = "",
) -> Response:
    """A new random password for user `name`, shown once on their page."""
    check_csrf(session, csrf_token)
    require_global_admin(user)
    password = generated_password()
    with database.transaction() as db_session:
        set_password(db_session, name, password, actor=user.name, now=now)
    return _user_page(request, database, name, now=now, new_password=password)


# --- tokens ------------------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    database: DbDep,
    *,
    now: datetime,
    error: str | None = None,
    created: TokenCreated | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    with database.transaction() as session:
        tokens = list_tokens(session, now=now)
        users = [u.name for u in list_users(session) if u.is_active]
    context = {
        "tokens": tokens,
        "users": users,
        "permissions": PERMISSIONS,
        "lifetimes": TOKEN_LIFETIMES_DAYS,
        "error": error,
        "created": created,
        "form": form or {"days": DEFAULT_TOKEN_DAYS, "scopes": []},
    }
    response = render(request, "admin_tokens.html", context, status_code=status_code)
    if created is not None:
        response.headers.update(NO_STORE)
    return response


@router.get("/admin/tokens")
def tokens_page(request: Request, user: PageUserAdmin, database: DbDep, now: NowDep) -> Response:
    require_global_admin(user)
    return _tokens_page(request, database, now=now)


@router.post("/admin/tokens")
def tokens_create(
    request: Request,
    user: PageUserAdmin,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    owner: _Text,
    name: _Text,
    csrf_token: _Csrf = "",
    days: Annotated[int, Form()] = DEFAULT_TOKEN_DAYS,
    scopes: Annotated[list[str] | None, Form(max_length=50)] = None,
) -> Response:
    """A new token for user `owner`, its secret shown once in this answer."""
    check_csrf(session, csrf_token)
    require_global_admin(user)
    chosen = list(scopes or [])
    form = {"owner": owner, "name": name, "days": days, "scopes": chosen}
    try:
        if days not in TOKEN_LIFETIMES_DAYS:
            raise InvalidRequestError(
                N_("a token expires after %(days)s days"),
                days=", ".join(map(str, TOKEN_LIFETIMES_DAYS)),
            )
        with database.transaction() as db_session:
            created = create_token(
                db_session,
                owner,
                name=name,
                scopes=chosen,
                lifetime=timedelta(days=days),
                actor=user.name,
                now=now,
            )
    except EngineError as exc:
        return _tokens_page(
            request, database, now=now, error=page_detail(request, exc), form=form, status_code=422
        )
    return _tokens_page(request, database, now=now, created=created)


@router.post("/admin/tokens/{token_id}/revoke")
def tokens_revoke(
    token_id: int,
    user: PageUserAdmin,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    csrf_token: _Csrf = "",
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    require_global_admin(user)
    with database.transaction() as db_session:
        revoked = revoke_token_by_id(db_session, token_id, caller=user, now=now)
    if back == "user":
        return _back_to(revoked.user)
    return RedirectResponse("/admin/tokens", status_code=303)
