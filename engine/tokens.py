"""API tokens: named, scoped to a subset of the owner's permissions, expiring, revocable.

A token's secret is shown once, when it is created; only its SHA-256 is stored. Its use is
recorded (`last_used_at`); an expired or revoked token, or one of a disabled user, authenticates
no one. Creation and revocation are audited.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from engine import audit
from engine.access import PERMISSION_NAMES
from engine.clock import as_utc
from engine.errors import N_, InvalidRequestError, NotFoundError, PermissionDeniedError
from engine.models import ApiToken, User
from engine.types import is_row_id
from engine.users import MAX_NAME_LENGTH, UserView, find_user_row, user_view

TOKEN_PREFIX = "rd_"
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=730)


@dataclass(frozen=True, slots=True)
class TokenView:
    """A token as listed: never its secret."""

    id: int
    user: str
    name: str
    scopes: tuple[str, ...] | None  # None: all of the owner's permissions
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_live: bool


@dataclass(frozen=True, slots=True)
class TokenCreated:
    token: TokenView
    secret: str  # shown only this once


def token_digest(secret: str) -> str:
    """The stored form of a token secret: its SHA-256 hash in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _is_live(token: ApiToken, now: datetime) -> bool:
    return token.revoked_at is None and (token.expires_at is None or as_utc(token.expires_at) > now)


def _view(token: ApiToken, user_name: str, now: datetime) -> TokenView:
    assert token.id is not None
    return TokenView(
        id=token.id,
        user=user_name,
        name=token.name,
        scopes=tuple(token.scopes) if token.scopes is not None else None,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        is_live=_is_live(token, now),
    )


def _checked_scopes(scopes: Iterable[str] | None, owner: UserView) -> list[str] | None:
    if scopes is None:
        return None
    chosen = list(dict.fromkeys(s.strip() for s in scopes if s.strip()))
    unknown = [s for s in chosen if s not in PERMISSION_NAMES]
    if unknown:
        raise InvalidRequestError(
            N_("unknown permission(s) %(unknown)s; the permissions are %(known)s"),
            unknown=", ".join(unknown),
            known=", ".join(sorted(PERMISSION_NAMES)),
        )
    if not chosen:
        raise InvalidRequestError(N_("a token's scope names at least one permission"))
    lacking = [s for s in chosen if not owner.access.can_anywhere(s)]
    if lacking:
        raise InvalidRequestError(
            N_(
                "user '%(user)s' does not hold %(lacking)s: a token's scope is a subset of its "
                "owner's permissions"
            ),
            user=owner.name,
            lacking=", ".join(lacking),
        )
    return sorted(chosen)


def create_token(
    session: Session,
    user_name: str,
    *,
    name: str,
    scopes: Iterable[str] | None = None,
    lifetime: timedelta | None = DEFAULT_LIFETIME,
    actor: str | None = None,
    now: datetime,
) -> TokenCreated:
    """A new token for `user_name`, limited to `scopes` (None: all the owner's permissions), valid
    for `lifetime` (at most MAX_LIFETIME). Raises NotFoundError, InvalidRequestError."""
    user = find_user_row(session, user_name)
    assert user.id is not None
    label = name.strip()
    if not label or len(label) > MAX_NAME_LENGTH:
        raise InvalidRequestError(
            N_("a token name has 1 to %(max)d characters"), max=MAX_NAME_LENGTH
        )
    if lifetime is None or lifetime <= timedelta(0) or lifetime > MAX_LIFETIME:
        raise InvalidRequestError(
            N_("a token expires after 1 minute to %(days)d days"), days=MAX_LIFETIME.days
        )
    checked = _checked_scopes(scopes, user_view(session, user))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=label,
        token_hash=token_digest(secret),
        created_at=now,
        scopes=checked,
        expires_at=now + lifetime,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor or user.name,
        action="token.created",
        entity_kind="user",
        entity_id=user.name,
        detail={
            "token_id": token.id,
            "name": token.name,
            "scopes": checked,
            "expires_at": token.expires_at,
        },
        now=now,
    )
    return TokenCreated(token=_view(token, user.name, now), secret=secret)


def list_tokens(
    session: Session, *, user_name: str | None = None, now: datetime
) -> tuple[TokenView, ...]:
    """The tokens of `user_name` (None: of everyone), the newest first, revoked ones too."""
    query = select(ApiToken, User.name).join(User, col(User.id) == col(ApiToken.user_id))
    if user_name is not None:
        query = query.where(User.name == user_name)
    rows = session.exec(query.order_by(col(ApiToken.id).desc())).all()
    return tuple(_view(token, owner, now) for token, owner in rows)


def revoke_token_by_id(
    session: Session,
    token_id: int,
    *,
    caller: UserView | None,
    actor: str | None = None,
    now: datetime,
) -> TokenView:
    """Revoke token `token_id`: the caller's own, or anyone's with `users:admin`; with no
    `caller`, the operator on the command line revokes any token (audited as `actor`). Revoking a
    revoked token changes nothing. Raises NotFoundError (no such token, or another user's
    without `users:admin` — it is not theirs to see)."""
    row = session.get(ApiToken, token_id) if is_row_id(token_id) else None
    owner = session.get(User, row.user_id) if row is not None else None
    may = caller is None or (
        owner is not None and (owner.id == caller.id or caller.can("users:admin"))
    )
    if row is None or owner is None or not may:
        raise NotFoundError(N_("there is no token %(id)s"), id=token_id)
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        audit.record(
            session,
            actor=caller.name if caller is not None else actor,
            action="token.revoked",
            entity_kind="user",
            entity_id=owner.name,
            detail={"token_id": row.id, "name": row.name},
            now=now,
        )
    return _view(row, owner.name, now)


def revoke_token(
    session: Session, user_name: str, token_name: str, *, actor: str | None, now: datetime
) -> int:
    """Revoke every live token of `user_name` named `token_name`; returns how many."""
    user = find_user_row(session, user_name)
    tokens = session.exec(
        select(ApiToken).where(
            ApiToken.user_id == user.id,
            ApiToken.name == token_name,
            col(ApiToken.revoked_at).is_(None),
        )
    ).all()
    for token in tokens:
        token.revoked_at = now
        session.add(token)
        audit.record(
            session,
            actor=actor,
            action="token.revoked",
            entity_kind="user",
            entity_id=user.name,
            detail={"token_id": token.id, "name": token.name},
            now=now,
        )
    return len(tokens)


def user_for_token(session: Session, secret: str, *, now: datetime) -> UserView | None:
    """The active user owning the live token `secret`, with access limited to its scope (its use
    recorded at `now`), else None."""
    if not secret or len(secret) > 200 or not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.exec(
        select(ApiToken).where(ApiToken.token_hash == token_digest(secret))
    ).first()
    if token is None or not _is_live(token, now):
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    # one write a minute at most: "last used" needs no finer clock, and reads stay reads
    if token.last_used_at is None or now - as_utc(token.last_used_at) > timedelta(minutes=1):
        token.last_used_at = now
        session.add(token)
    view = user_view(session, user)
    if token.scopes is not None:
        view = replace(view, access=view.access.limited_to(token.scopes))
    return view


def ensure_caller_may_manage(caller: UserView, owner: str) -> None:
    """Refuse a caller managing another user's tokens without `users:admin`."""
    if owner != caller.name and not caller.can("users:admin"):
        raise PermissionDeniedError(N_("managing another user's tokens needs users:admin"))
