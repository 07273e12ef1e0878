"""Request context as named dependencies: `SettingsDep`, `DbDep`, `NowDep`, `LanguageDep`,
`CurrentUser`, ...

The API authenticates with bearer tokens (`CurrentUser`, `AdminUser`); pages with the signed
session cookie (`PageUser`). A missing or bad credential raises, and web.errors answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from engine import clock
from engine.db import Database
from engine.errors import PermissionDeniedError
from engine.keys import InstanceKeys
from engine.settings import Settings
from engine.users import UserView, get_user, user_for_token
from web.errors import AuthenticationError, LoginRequiredError
from web.sessions import COOKIE_NAME, SessionData, decode_session


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

LANGUAGES = ("en", "zh")


def _language(
    lang: Annotated[
        Literal["en", "zh"] | None,
        Query(description="the language of explanation texts; else from Accept-Language"),
    ] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> str:
    """`?lang=`, else the most preferred of en/zh in Accept-Language, else English."""
    if lang is not None:
        return lang
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if quality > 0:
            wanted.append((-quality, position, primary))
    return min(wanted)[2] if wanted else "en"


# The language texts are rendered in: "en" or "zh".
LanguageDep = Annotated[str, Depends(_language)]

_bearer = HTTPBearer(
    auto_error=False,
    description="An API token (`riskdesk token create NAME`) as `Authorization: Bearer <token>`",
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
        raise AuthenticationError("the API token is unknown or revoked, or its user is inactive")
    return user


CurrentUser = Annotated[UserView, Depends(_current_user)]


def _admin_user(user: CurrentUser) -> UserView:
    if not user.is_admin:
        raise PermissionDeniedError(f"this needs the admin role, which user '{user.name}' lacks")
    return user


AdminUser = Annotated[UserView, Depends(_admin_user)]


# --- pages -------------------------------------------------------------------------------------


def _keys(request: Request) -> InstanceKeys:
    keys: InstanceKeys = request.app.state.keys
    return keys


# The instance's keys (engine.keys): the secret key signs the sign-in cookie.
KeysDep = Annotated[InstanceKeys, Depends(_keys)]


def _page_session(request: Request, keys: KeysDep) -> SessionData | None:
    session = decode_session(request.cookies.get(COOKIE_NAME), secret_key=keys.secret_key)
    request.state.csrf_token = session.csrf_token if session else ""
    return session


PageSession = Annotated[SessionData | None, Depends(_page_session)]


def _page_user(request: Request, session: PageSession, database: DbDep) -> UserView:
    if session is None or session.user is None:
        raise LoginRequiredError()
    with database.transaction() as db_session:
        user = get_user(db_session, session.user)
    if user is None:
        raise LoginRequiredError()
    request.state.user = user
    return user


PageUser = Annotated[UserView, Depends(_page_user)]


def _hx_request(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


HxRequest = Annotated[bool, Depends(_hx_request)]
