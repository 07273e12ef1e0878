"""Delegation: a user hands their cases and notifications to a delegate for a period.

A delegation names a user, their delegate and a period `[starts_at, ends_at)`; it is active at
`now` inside its period unless revoked. A user has at most one delegation in force at any time
(periods of one user never overlap), so `delegate_of` is a single name. Setting and revoking are
audited in the caller's transaction. Acting on cases as a delegate uses `active_delegators`
(engine.cases); notifications to a delegator reach the delegate too (engine.notifications).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from engine import audit
from engine.clock import as_utc
from engine.comments import checked_comment
from engine.errors import N_, ConflictError, InvalidRequestError, NotFoundError
from engine.models import User
from engine.models_casework import Delegation

# The longest period one delegation may cover: a longer absence is a change of owner, not a
# delegation.
MAX_PERIOD = timedelta(days=180)
MAX_COMMENT_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class DelegationView:
    """One delegation as callers see it; `is_active` is at the `now` it was read."""

    id: int
    user: str
    delegate: str
    starts_at: datetime
    ends_at: datetime
    comment: str | None
    created_by: str | None
    created_at: datetime
    revoked_at: datetime | None
    is_active: bool


def _view(row: Delegation, now: datetime) -> DelegationView:
    assert row.id is not None
    return DelegationView(
        id=row.id,
        user=row.user_name,
        delegate=row.delegate,
        starts_at=as_utc(row.starts_at),
        ends_at=as_utc(row.ends_at),
        comment=row.comment,
        created_by=row.created_by,
        created_at=as_utc(row.created_at),
        revoked_at=as_utc(row.revoked_at) if row.revoked_at is not None else None,
        is_active=_is_active(row, now),
    )


def _is_active(row: Delegation, now: datetime) -> bool:
    return row.revoked_at is None and as_utc(row.starts_at) <= now < as_utc(row.ends_at)


def _active_at(now: datetime) -> list[ColumnElement[bool]]:
    return [
        col(Delegation.revoked_at).is_(None),
        col(Delegation.starts_at) <= now,
        col(Delegation.ends_at) > now,
    ]


def _active_user(session: Session, name: str) -> User | None:
    user = session.exec(select(User).where(User.name == name)).first()
    return user if user is not None and user.is_active else None


def set_delegation(
    session: Session,
    *,
    user: str,
    delegate: str,
    starts_at: datetime,
    ends_at: datetime,
    comment: str | None,
    actor: str,
    now: datetime,
) -> DelegationView:
    """Hand `user`'s cases to `delegate` from `starts_at` until `ends_at`; returns it.

    Raises NotFoundError (no user `user`), InvalidRequestError (oneself as delegate, an unknown
    or disabled delegate, an end not after the start or already past, a period longer than
    MAX_PERIOD, a comment too long), ConflictError (the period overlaps another of the user's).
    """
    # the user's row, locked: two delegations of one user set at once are checked one after the
    # other, so neither misses the other's period
    owner = session.exec(select(User).where(User.name == user).with_for_update()).first()
    if owner is None or not owner.is_active:
        raise NotFoundError(N_("there is no user '%(name)s'"), name=user)
    delegate = delegate.strip()
    if delegate == user:
        raise InvalidRequestError(N_("a user cannot delegate to themselves"))
    if not delegate or _active_user(session, delegate) is None:
        raise InvalidRequestError(
            N_("the delegate '%(name)s' is no active user"), name=delegate[:100]
        )
    starts_at, ends_at = as_utc(starts_at), as_utc(ends_at)
    if ends_at <= starts_at:
        raise InvalidRequestError(N_("a delegation must end after it starts"))
    if ends_at <= now:
        raise InvalidRequestError(N_("a delegation must end in the future"))
    if ends_at - starts_at > MAX_PERIOD:
        raise InvalidRequestError(
            N_("a delegation lasts at most %(days)d days"), days=MAX_PERIOD.days
        )
    comment = checked_comment(comment, max_length=MAX_COMMENT_LENGTH)
    overlapping = session.exec(
        select(Delegation).where(
            Delegation.user_name == user,
            col(Delegation.revoked_at).is_(None),
            col(Delegation.starts_at) < ends_at,
            col(Delegation.ends_at) > starts_at,
        )
    ).first()
    if overlapping is not None:
        raise ConflictError(
            N_("%(user)s already delegates to %(delegate)s from %(start)s to %(end)s"),
            user=user,
            delegate=overlapping.delegate,
            start=as_utc(overlapping.starts_at).isoformat(),
            end=as_utc(overlapping.ends_at).isoformat(),
        )
    row = Delegation(
        user_name=user,
        delegate=delegate,
        starts_at=starts_at,
        ends_at=ends_at,
        comment=comment,
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="delegation.set",
        entity_kind="user",
        entity_id=user,
        detail={
            "delegation_id": row.id,
            "delegate": delegate,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "comment": comment,
        },
        now=now,
    )
    return _view(row, now)


def revoke(
    session: Session, delegation_id: int, *, user: str, actor: str, now: datetime
) -> DelegationView:
    """End delegation `delegation_id` of `user` now (before it starts: it never applies).

    Raises NotFoundError (no such delegation of `user`), ConflictError (already revoked or
    over)."""
    row = session.exec(
        select(Delegation)
        .where(col(Delegation.id) == delegation_id, Delegation.user_name == user)
        .with_for_update()
    ).first()
    if row is None:
        raise NotFoundError(N_("there is no delegation %(id)s"), id=delegation_id)
    if row.revoked_at is not None or as_utc(row.ends_at) <= now:
        raise ConflictError(N_("delegation %(id)s has already ended"), id=delegation_id)
    row.revoked_at = now
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="delegation.revoked",
        entity_kind="user",
        entity_id=user,
        detail={"delegation_id": delegation_id, "delegate": row.delegate},
        now=now,
    )
    return _view(row, now)


def list_delegations(session: Session, user: str, *, now: datetime) -> tuple[DelegationView, ...]:
    """`user`'s delegations, those given and those received, the newest first (revoked ones
    and past ones too)."""
    rows = session.exec(
        select(Delegation)
        .where((Delegation.user_name == user) | (Delegation.delegate == user))
        .order_by(col(Delegation.starts_at).desc(), col(Delegation.id).desc())
        .limit(200)
    )
    return tuple(_view(row, now) for row in rows)


def active_delegators(session: Session, delegate: str, now: datetime) -> list[str]:
    """The users whose cases `delegate` handles at `now` (their delegation is in force), by
    name."""
    return list(
        session.exec(
            select(Delegation.user_name)
            .where(Delegation.delegate == delegate, *_active_at(now))
            .order_by(col(Delegation.user_name))
        )
    )


def delegate_of(session: Session, user: str, now: datetime) -> str | None:
    """Whom `user` delegates to at `now`, or None."""
    return delegates_of(session, [user], now).get(user)


def delegates_of(session: Session, users: list[str], now: datetime) -> dict[str, str]:
    """user → their delegate at `now`, for those of `users` who delegate (one query)."""
    if not users:
        return {}
    rows = session.exec(
        select(Delegation.user_name, Delegation.delegate).where(
            col(Delegation.user_name).in_(sorted(set(users))), *_active_at(now)
        )
    )
    return {user: delegate for user, delegate in rows}


# The name engine/__init__ exports `revoke` under.
revoke_delegation = revoke
