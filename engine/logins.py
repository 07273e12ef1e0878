"""Signing in: throttled password checks and the server-side sessions of the pages.

A session is a row: the browser's cookie holds a random secret, the row only its SHA-256, so a
database reader cannot sign in as anyone. A session ends when it is idle too long, reaches its
absolute age, is revoked (log out, log out everywhere, a password change, a disabled user).

Failed sign-ins are counted per account name and per client address over a sliding window; past
`MAX_FAILURES` either is locked for `LOCKOUT` — for unknown names exactly as for real ones, and
with the same answer, so the page tells nobody which names exist. Every sign-in, failure, lockout
and log-out is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, delete, update
from sqlmodel import Session, col, select

from engine import audit
from engine.clock import as_utc
from engine.errors import N_, EngineError, InvalidRequestError
from engine.models import LoginFailure, User, UserSession
from engine.types import is_row_id
from engine.users import MAX_NAME_LENGTH, UserView, user_view, verify_password

MAX_FAILURES = 10
LOCKOUT = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(hours=2)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


class SignInRefusedError(EngineError):
    """A wrong current password where one is asked again (changing it)."""

    title = "Sign-in refused"


@dataclass(frozen=True, slots=True)
class SignInRefused:
    """A refused sign-in, returned (not raised) so the failure it records commits.

    `retry_after` is None for an unknown user, a wrong password or a disabled user — one answer
    for all, on purpose — and the seconds left for a locked name or address."""

    retry_after: int | None


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: the user, the secret for the cookie (shown once) and its CSRF token."""

    user: UserView
    secret: str
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SessionView:
    """A live session as its owner sees it on the account page (never the secret)."""

    id: int
    user: UserView
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    address: str | None
    user_agent: str | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- throttling --------------------------------------------------------------------------------


def _failure_keys(name: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("user", name.lower()[:MAX_NAME_LENGTH])]
    if address:
        keys.append(("address", address[:200]))
    return keys


def _locked_for(session: Session, keys: list[tuple[str, str]], now: datetime) -> int:
    """Seconds until the lock of the first locked key ends; 0 when none is locked."""
    since = now - LOCKOUT
    for kind, key in keys:
        times = session.exec(
            select(LoginFailure.at)
            .where(LoginFailure.kind == kind, LoginFailure.key == key, LoginFailure.at > since)
            .order_by(col(LoginFailure.at).desc())
            .limit(MAX_FAILURES)
        ).all()
        if len(times) >= MAX_FAILURES:
            # locked until the oldest of the last MAX_FAILURES failures leaves the window
            until = as_utc(times[-1]) + LOCKOUT
            return max(1, int((until - now).total_seconds()))
    return 0


def _record_failure(session: Session, keys: list[tuple[str, str]], now: datetime) -> None:
    for kind, key in keys:
        session.add(LoginFailure(kind=kind, key=key, at=now))
    # what is past the window counts for nothing: keep the table small
    session.execute(delete(LoginFailure).where(col(LoginFailure.at) < now - LOCKOUT))
    session.flush()


# --- signing in and out ------------------------------------------------------------------------


def sign_in(
    session: Session,
    name: str,
    password: str,
    *,
    address: str | None,
    user_agent: str | None,
    now: datetime,
) -> SignedIn | SignInRefused:
    """Check `password` for user `name` and open a session; else the refusal, with the failure
    counted and audited in the caller's transaction (commit it)."""
    name = name.strip()[:MAX_NAME_LENGTH]
    keys = _failure_keys(name, address)
    wait = _locked_for(session, keys, now)
    if wait:
        audit.record(
            session,
            actor=None,
            action="user.login_locked",
            entity_kind="user",
            entity_id=name,
            detail={"address": address},
            now=now,
        )
        return SignInRefused(retry_after=wait)
    user = session.exec(select(User).where(User.name == name)).first()
    ok = (
        user is not None
        and user.is_active
        and len(password) <= MAX_PASSWORD_LENGTH
        and verify_password(user.password_hash, password)
    )
    audit.record(
        session,
        actor=name if ok else None,
        action="user.login" if ok else "user.login_failed",
        entity_kind="user",
        entity_id=name,
        detail={"address": address},
        now=now,
    )
    if not ok:
        _record_failure(session, keys, now)
        return SignInRefused(retry_after=None)
    assert user is not None and user.id is not None
    secret = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id,
        token_hash=_digest(secret),
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE_TIMEOUT,
        address=address[:64] if address else None,
        user_agent=user_agent[:300] if user_agent else None,
    )
    session.add(row)
    session.flush()
    return SignedIn(
        user=user_view(session, user),
        secret=secret,
        csrf_token=row.csrf_token,
        expires_at=row.expires_at,
    )


def _live(row: UserSession, now: datetime) -> bool:
    return (
        row.revoked_at is None
        and as_utc(row.expires_at) > now
        and as_utc(row.last_seen_at) + IDLE_TIMEOUT > now
    )


def session_for(session: Session, secret: str | None, *, now: datetime) -> SessionView | None:
    """The live session whose cookie secret is `secret` (its last use recorded), else None."""
    if not secret or len(secret) > 100:
        return None
    row = session.exec(select(UserSession).where(UserSession.token_hash == _digest(secret))).first()
    if row is None or not _live(row, now):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    # one write a minute at most: the idle timeout needs no finer clock
    if now - as_utc(row.last_seen_at) > timedelta(minutes=1):
        row.last_seen_at = now
        session.add(row)
    return _session_view(row, user_view(session, user))


def _session_view(row: UserSession, user: UserView) -> SessionView:
    assert row.id is not None
    return SessionView(
        id=row.id,
        user=user,
        csrf_token=row.csrf_token,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
        address=row.address,
        user_agent=row.user_agent,
    )


def sign_out(session: Session, secret: str | None, *, now: datetime) -> bool:
    """End the session whose cookie secret is `secret`; False when there was none live."""
    if not secret:
        return False
    row = session.exec(select(UserSession).where(UserSession.token_hash == _digest(secret))).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    session.add(row)
    user = session.get(User, row.user_id)
    audit.record(
        session,
        actor=user.name if user else None,
        action="user.logout",
        entity_kind="user",
        entity_id=user.name if user else None,
        detail={"session_id": row.id},
        now=now,
    )
    return True


def revoke_sessions(
    session: Session,
    user_name: str,
    *,
    actor: str | None,
    now: datetime,
    except_session_id: int | None = None,
    session_id: int | None = None,
) -> int:
    """Revoke the live sessions of `user_name` (one, with `session_id`; all but one, with
    `except_session_id`); returns how many. Audited."""
    user = session.exec(select(User).where(User.name == user_name)).first()
    if user is None or (session_id is not None and not is_row_id(session_id)):
        return 0
    query = update(UserSession).where(
        col(UserSession.user_id) == user.id, col(UserSession.revoked_at).is_(None)
    )
    if session_id is not None:
        query = query.where(col(UserSession.id) == session_id)
    if except_session_id is not None:
        query = query.where(col(UserSession.id) != except_session_id)
    result: CursorResult[Any] = session.execute(query.values(revoked_at=now))  # type: ignore[assignment]
    count = result.rowcount
    if count:
        audit.record(
            session,
            actor=actor,
            action="user.sessions_revoked",
            entity_kind="user",
            entity_id=user.name,
            detail={"count": count, "session_id": session_id},
            now=now,
        )
    return int(count or 0)


def list_sessions(session: Session, user_name: str, *, now: datetime) -> tuple[SessionView, ...]:
    """The live sessions of `user_name`, the newest first."""
    user = session.exec(select(User).where(User.name == user_name)).first()
    if user is None:
        return ()
    view = user_view(session, user)
    rows = session.exec(
        select(UserSession)
        .where(UserSession.user_id == user.id, col(UserSession.revoked_at).is_(None))
        .order_by(col(UserSession.id).desc())
    ).all()
    return tuple(_session_view(r, view) for r in rows if _live(r, now))


# --- passwords ---------------------------------------------------------------------------------


def check_new_password(password: str, *, user_name: str) -> None:
    """Refuse a password too short, too long or equal to the user name (InvalidRequestError)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequestError(
            N_("a password needs at least %(min)d characters"), min=MIN_PASSWORD_LENGTH
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidRequestError(
            N_("a password has at most %(max)d characters"), max=MAX_PASSWORD_LENGTH
        )
    if password.strip().lower() == user_name.lower():
        raise InvalidRequestError(N_("a password may not be the user name"))


def change_password(
    session: Session,
    user_name: str,
    current: str,
    new: str,
    *,
    keep_session_id: int | None,
    now: datetime,
) -> int:
    """Change the caller's own password after checking `current`; every other session of the
    user ends. Returns how many sessions ended. Raises SignInRefusedError (wrong current
    password), InvalidRequestError (a weak new one)."""
    from engine.users import set_password

    user = session.exec(select(User).where(User.name == user_name)).first()
    if user is None or not verify_password(user.password_hash, current[:MAX_PASSWORD_LENGTH]):
        raise SignInRefusedError(N_("the current password is wrong"))
    check_new_password(new, user_name=user_name)
    set_password(session, user_name, new, actor=user_name, now=now)
    return revoke_sessions(
        session, user_name, actor=user_name, now=now, except_session_id=keep_session_id
    )


__all__ = [
    "ABSOLUTE_TIMEOUT",
    "IDLE_TIMEOUT",
    "LOCKOUT",
    "MAX_FAILURES",
    "SessionView",
    "SignInRefused",
    "SignInRefusedError",
    "SignedIn",
    "change_password",
    "list_sessions",
    "revoke_sessions",
    "session_for",
    "sign_in",
    "sign_out",
]
