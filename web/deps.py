"""Request context as named dependencies: `SettingsDep`, `DbDep`, `NowDep`, `LanguageDep`,
`CurrentUser`, ...

The API authenticates with bearer tokens (`CurrentUser`, then one dependency per permission:
`Reader`, `CustomerWriter`, ...); pages with the server-side session their cookie names
(`PageUser`, `PageReader`, ...). A missing or bad credential raises, and web.errors answers.
These check that the caller holds the permission somewhere; the engine limits each query to the
departments where they hold it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from engine import clock
from engine.access import PERMISSION_NAMES
from engine.db import Database
from engine.errors import N_, PermissionDeniedError
from engine.keys import InstanceKeys
from engine.logins import SessionView, session_for
from engine.settings import Settings
from engine.tokens import user_for_token
from engine.users import UserView
from web.errors import AuthenticationError, LoginRequiredError
from web.i18n import request_language as _language
from web.sessions import LOGIN_COOKIE, SESSION_COOKIE, SessionData, decode_session


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _now() -> datetime:
    return clock.utcnow()


SettingsDep = Annotated[Settings, Depends(_settings)]
DbDep = Annotated[Database, Depends(_database)]
# The request's time; tests override `_now` through `app.dependency_overrides`.
NowDep = Annotated[datetime, Depends(_now)]

# The language texts are rendered in: "en" or "zh".
LanguageDep = Annotated[str, Depends(_language)]

_bearer = HTTPBearer(
    auto_error=False,
    description="An API token (`riskdesk token create NAME --user USER`) as "
    "`Authorization: Bearer <token>`",
)


def _current_user(
    database: DbDep,
    now: NowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> UserView:
    if credentials is None:
        raise AuthenticationError("send an API token as 'Authorization: Bearer <token>'")
    with database.transaction() as session:
        user = user_for_token(session, credentials.credentials, now=now)
    if user is None:
        raise AuthenticationError(
            "the API token is unknown, expired or revoked, or its user is disabled"
        )
    return user


# Any authenticated caller of the API (its access limited to its token's scope).
CurrentUser = Annotated[UserView, Depends(_current_user)]


def _holding(permission: str, caller: Any) -> Callable[[UserView], UserView]:
    """A dependency admitting the user `caller` (a dependency) gives when they hold
    `permission` somewhere (everywhere or in a department); the engine then limits what they see
    and touch to where they hold it. Raises PermissionDeniedError (403) otherwise."""
    if permission not in PERMISSION_NAMES:
        raise ValueError(f"unknown permission {permission!r}")

    def check(user: UserView = caller) -> UserView:
        if not user.access.can_anywhere(permission):
            raise PermissionDeniedError(
                N_("this needs the permission %(permission)s"), permission=permission
            )
        return user

    check.__name__ = f"require_{permission.replace(':', '_')}"
    return check


def require(permission: str) -> Callable[[UserView], UserView]:
    """An API dependency: a caller whose token holds `permission` somewhere."""
    return _holding(permission, Depends(_current_user))


# One named dependency per permission a route needs (engine.access.PERMISSIONS).
Reader = Annotated[UserView, Depends(require("customers:read"))]
CustomerWriter = Annotated[UserView, Depends(require("customers:write"))]
EventWriter = Annotated[UserView, Depends(require("events:write"))]
CaseActor = Annotated[UserView, Depends(require("cases:act"))]
CaseStarter = Annotated[UserView, Depends(require("cases:start"))]
TemplateImporter = Annotated[UserView, Depends(require("templates:import"))]
AuditReader = Annotated[UserView, Depends(require("audit:read"))]
FxWriter = Annotated[UserView, Depends(require("fx:write"))]
Sweeper = Annotated[UserView, Depends(require("system:sweep"))]
SpecEditor = Annotated[UserView, Depends(require("specs:edit"))]
SpecPublisher = Annotated[UserView, Depends(require("specs:publish"))]
OrderChecker = Annotated[UserView, Depends(require("orders:check"))]


# --- pages -------------------------------------------------------------------------------------


def _keys(request: Request) -> InstanceKeys:
    keys: InstanceKeys = request.app.state.keys
    return keys


# The instance's keys (engine.keys): the secret key signs the sign-in cookie.
KeysDep = Annotated[InstanceKeys, Depends(_keys)]


def _page_session(request: Request, database: DbDep, now: NowDep) -> SessionView | None:
    """The live server-side session the browser's cookie names, else None."""
    with database.transaction() as session:
        found = session_for(session, request.cookies.get(SESSION_COOKIE), now=now)
    request.state.csrf_token = found.csrf_token if found else ""
    if found is not None:
        request.state.user = found.user
    return found


PageSession = Annotated[SessionView | None, Depends(_page_session)]


def _login_form(request: Request, keys: KeysDep) -> SessionData | None:
    """The signed sign-in cookie (its CSRF token guards the login form), else None."""
    return decode_session(request.cookies.get(LOGIN_COOKIE), secret_key=keys.secret_key)


LoginForm = Annotated[SessionData | None, Depends(_login_form)]


def _page_user(session: PageSession) -> UserView:
    if session is None:
        raise LoginRequiredError()
    return session.user


PageUser = Annotated[UserView, Depends(_page_user)]


def page_require(permission: str) -> Callable[[UserView], UserView]:
    """A page dependency: a signed-in user holding `permission` somewhere, else 403."""
    return _holding(permission, Depends(_page_user))


PageReader = Annotated[UserView, Depends(page_require("customers:read"))]
PageCaseActor = Annotated[UserView, Depends(page_require("cases:act"))]
PageCaseStarter = Annotated[UserView, Depends(page_require("cases:start"))]
PageCustomerWriter = Annotated[UserView, Depends(page_require("customers:write"))]
PageUserAdmin = Annotated[UserView, Depends(page_require("users:admin"))]
PageAuditReader = Annotated[UserView, Depends(page_require("audit:read"))]


def _hx_request(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


HxRequest = Annotated[bool, Depends(_hx_request)]


def client_address(request: Request) -> str | None:
    """The peer's address, for throttling sign-ins (behind a proxy: the proxy's, on purpose;
    X-Forwarded-For is the client's to forge)."""
    return request.client.host if request.client else None
