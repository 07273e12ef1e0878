"""Delegation (engine.delegations): setting, refusing, revoking, and who handles whose cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from engine.db import Database
from engine.delegations import (
    MAX_PERIOD,
    active_delegators,
    delegate_of,
    list_delegations,
    revoke,
    set_delegation,
)
from engine.errors import ConflictError, InvalidRequestError, NotFoundError
from engine.models import AuditEntry
from engine.users import add_user, set_active
from tests.engine.conftest import NOW

DAY = timedelta(days=1)


@pytest.fixture
def people(database: Database) -> Database:
    with database.transaction() as session:
        for name in ("alice", "bob", "carol", "gone"):
            add_user(session, name, roles=("sales_manager",), now=NOW)
        set_active(session, "gone", False, actor="admin", now=NOW)
    return database


def _set(database: Database, user: str = "alice", delegate: str = "bob", **kw: object) -> int:
    starts = kw.pop("starts_at", NOW)
    ends = kw.pop("ends_at", NOW + 7 * DAY)
    with database.transaction() as session:
        view = set_delegation(
            session,
            user=user,
            delegate=delegate,
            starts_at=starts,  # type: ignore[arg-type]
            ends_at=ends,  # type: ignore[arg-type]
            comment=kw.pop("comment", "holiday"),  # type: ignore[arg-type]
            actor=str(kw.pop("actor", user)),
            now=NOW,
        )
    return view.id


def test_a_delegation_hands_cases_to_the_delegate_for_its_period(people: Database) -> None:
    _set(people, starts_at=NOW + DAY, ends_at=NOW + 3 * DAY)
    with people.transaction() as session:
        assert delegate_of(session, "alice", NOW) is None  # not yet
        assert delegate_of(session, "alice", NOW + DAY) == "bob"
        assert active_delegators(session, "bob", NOW + 2 * DAY) == ["alice"]
        assert active_delegators(session, "bob", NOW + 3 * DAY) == []  # the end is exclusive
        (view,) = list_delegations(session, "bob", now=NOW + DAY)
        assert (view.user, view.delegate, view.comment, view.is_active) == (
            "alice",
            "bob",
            "holiday",
            True,
        )


def test_setting_a_delegation_is_audited(people: Database) -> None:
    delegation_id = _set(people, actor="admin")
    with people.transaction() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "delegation.set")).one()
    assert (entry.actor, entry.entity_id) == ("admin", "alice")
    assert entry.detail["delegation_id"] == delegation_id
    assert entry.detail["delegate"] == "bob"


@pytest.mark.parametrize(
    ("delegate", "starts", "ends", "error", "message"),
    [
        ("alice", NOW, NOW + DAY, InvalidRequestError, "a user cannot delegate to themselves"),
        ("nobody", NOW, NOW + DAY, InvalidRequestError, "the delegate 'nobody' is no active user"),
        ("gone", NOW, NOW + DAY, InvalidRequestError, "the delegate 'gone' is no active user"),
        ("bob", NOW + DAY, NOW, InvalidRequestError, "a delegation must end after it starts"),
        (
            "bob",
            NOW - 3 * DAY,
            NOW - DAY,
            InvalidRequestError,
            "a delegation must end in the future",
        ),
        (
            "bob",
            NOW,
            NOW + MAX_PERIOD + timedelta(seconds=1),
            InvalidRequestError,
            "a delegation lasts at most 180 days",
        ),
    ],
)
def test_a_bad_delegation_is_refused_and_nothing_is_stored(
    people: Database,
    delegate: str,
    starts: object,
    ends: object,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error) as refused:
        _set(people, delegate=delegate, starts_at=starts, ends_at=ends)
    assert str(refused.value) == message
    with people.transaction() as session:
        assert list_delegations(session, "alice", now=NOW) == ()


def test_an_unknown_user_cannot_delegate(people: Database) -> None:
    with pytest.raises(NotFoundError):
        _set(people, user="nobody")


def test_overlapping_periods_of_one_user_are_refused(people: Database) -> None:
    _set(people, starts_at=NOW, ends_at=NOW + 7 * DAY)
    with pytest.raises(ConflictError, match="alice already delegates to bob"):
        _set(people, delegate="carol", starts_at=NOW + 6 * DAY, ends_at=NOW + 9 * DAY)
    # a period starting where the other ends does not overlap
    _set(people, delegate="carol", starts_at=NOW + 7 * DAY, ends_at=NOW + 9 * DAY)
    # another user's period may overlap
    _set(people, user="carol", delegate="alice", starts_at=NOW, ends_at=NOW + DAY)


def test_a_revoked_delegation_stops_at_once_and_frees_its_period(people: Database) -> None:
    delegation_id = _set(people)
    with people.transaction() as session:
        view = revoke(session, delegation_id, user="alice", actor="alice", now=NOW + DAY)
        assert view.revoked_at == NOW + DAY and not view.is_active
        assert delegate_of(session, "alice", NOW + 2 * DAY) is None
        actions = session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))).all()
    assert actions[-2:] == ["delegation.set", "delegation.revoked"]
    with people.transaction() as session, pytest.raises(ConflictError):
        revoke(session, delegation_id, user="alice", actor="alice", now=NOW + DAY)
    _set(people, delegate="carol")


def test_another_users_delegation_cannot_be_revoked(people: Database) -> None:
    delegation_id = _set(people)
    with people.transaction() as session, pytest.raises(NotFoundError):
        revoke(session, delegation_id, user="bob", actor="bob", now=NOW)
