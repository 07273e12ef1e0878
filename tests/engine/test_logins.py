"""Signing in: throttling and lockout, server-side sessions and their timeouts, on each backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from engine.db import Database
from engine.logins import (
    IDLE_TIMEOUT,
    LOCKOUT,
    MAX_FAILURES,
    SignedIn,
    SignInRefused,
    change_password,
    list_sessions,
    revoke_sessions,
    session_for,
    sign_in,
    sign_out,
)
from engine.models import AuditEntry, UserSession
from engine.users import add_user, set_active

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def _sign_in(
    database: Database, name: str, password: str, *, at: datetime = NOW, address: str = "10.0.0.1"
) -> SignedIn | SignInRefused:
    with database.transaction() as session:
        return sign_in(session, name, password, address=address, user_agent="test", now=at)


def _actions(database: Database) -> list[str]:
    with database.transaction() as session:
        return [e.action for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))]


def _add(database: Database, name: str = "alice") -> None:
    with database.transaction() as session:
        add_user(session, name, roles=["sales"], password=PASSWORD, now=NOW)


def test_sign_in_opens_a_session_stored_as_a_hash(database: Database) -> None:
    _add(database)
    signed = _sign_in(database, "alice", PASSWORD)
    assert isinstance(signed, SignedIn)
    with database.transaction() as session:
        row = session.exec(select(UserSession)).one()
        assert row.token_hash != signed.secret and signed.secret not in row.token_hash
        found = session_for(session, signed.secret, now=NOW + timedelta(minutes=5))
    assert found is not None and found.user.name == "alice"
    assert found.csrf_token == signed.csrf_token
    assert _actions(database)[-1] == "user.login"


def test_unknown_user_and_wrong_password_get_the_same_answer(database: Database) -> None:
    _add(database)
    assert _sign_in(database, "alice", "wrong") == _sign_in(database, "ghost", PASSWORD)
    assert _actions(database)[-2:] == ["user.login_failed", "user.login_failed"]


def test_ten_failures_lock_the_account_for_15_minutes_even_for_the_right_password(
    database: Database,
) -> None:
    _add(database)
    for attempt in range(MAX_FAILURES):
        # from many addresses: the account's own count locks it
        refused = _sign_in(database, "alice", "wrong", address=f"10.0.1.{attempt}")
        assert refused == SignInRefused(retry_after=None)
    locked = _sign_in(database, "alice", PASSWORD, at=NOW + timedelta(minutes=1))
    assert isinstance(locked, SignInRefused) and locked.retry_after is not None
    assert 0 < locked.retry_after <= LOCKOUT.total_seconds()
    assert "user.login_locked" in _actions(database)
    assert isinstance(_sign_in(database, "alice", PASSWORD, at=NOW + LOCKOUT), SignedIn)


def test_an_unknown_name_locks_exactly_like_a_real_one(database: Database) -> None:
    for _ in range(MAX_FAILURES):
        _sign_in(database, "ghost", "x", address="10.0.2.1")
    locked = _sign_in(database, "ghost", "x", address="10.0.2.2")
    assert isinstance(locked, SignInRefused) and locked.retry_after is not None


def test_ten_failures_from_one_address_lock_that_address_for_every_name(
    database: Database,
) -> None:
    _add(database, "bob")
    for attempt in range(MAX_FAILURES):
        _sign_in(database, f"guess{attempt}", "x", address="10.9.9.9")
    blocked = _sign_in(database, "bob", PASSWORD, address="10.9.9.9")
    assert isinstance(blocked, SignInRefused) and blocked.retry_after is not None
    assert isinstance(_sign_in(database, "bob", PASSWORD, address="10.0.0.2"), SignedIn)


def test_session_ends_when_idle_or_at_its_absolute_age(database: Database) -> None:
    _add(database)
    signed = _sign_in(database, "alice", PASSWORD)
    assert isinstance(signed, SignedIn)
    with database.transaction() as session:
        assert session_for(session, signed.secret, now=NOW + IDLE_TIMEOUT) is None
    # kept alive by use, it still ends at its absolute age
    at = NOW
    while at < signed.expires_at - timedelta(hours=1):
        at += timedelta(hours=1)
        with database.transaction() as session:
            assert session_for(session, signed.secret, now=at) is not None
    with database.transaction() as session:
        assert session_for(session, signed.secret, now=signed.expires_at) is None


def test_sign_out_and_log_out_everywhere_and_disabling_end_sessions(database: Database) -> None:
    _add(database)
    first, second, third = (_sign_in(database, "alice", PASSWORD) for _ in range(3))
    assert isinstance(first, SignedIn) and isinstance(second, SignedIn)
    assert isinstance(third, SignedIn)
    with database.transaction() as session:
        assert sign_out(session, first.secret, now=NOW)
        assert session_for(session, first.secret, now=NOW) is None
        assert len(list_sessions(session, "alice", now=NOW)) == 2
        assert revoke_sessions(session, "alice", actor="alice", now=NOW) == 2
        assert session_for(session, second.secret, now=NOW) is None
    fourth = _sign_in(database, "alice", PASSWORD)
    assert isinstance(fourth, SignedIn)
    with database.transaction() as session:
        set_active(session, "alice", False, actor="admin", now=NOW)
    with database.transaction() as session:
        assert session_for(session, fourth.secret, now=NOW) is None
    assert "user.logout" in _actions(database) and "user.sessions_revoked" in _actions(database)


def test_password_change_needs_the_current_one_and_ends_other_sessions(
    database: Database,
) -> None:
    _add(database)
    kept, other = _sign_in(database, "alice", PASSWORD), _sign_in(database, "alice", PASSWORD)
    assert isinstance(kept, SignedIn) and isinstance(other, SignedIn)
    with database.transaction() as session:
        kept_view = session_for(session, kept.secret, now=NOW)
        assert kept_view is not None
        ended = change_password(
            session,
            "alice",
            PASSWORD,
            "a new long passphrase",
            keep_session_id=kept_view.id,
            now=NOW,
        )
    assert ended == 1
    with database.transaction() as session:
        assert session_for(session, kept.secret, now=NOW) is not None
        assert session_for(session, other.secret, now=NOW) is None
    assert isinstance(_sign_in(database, "alice", "a new long passphrase"), SignedIn)
    assert _sign_in(database, "alice", PASSWORD) == SignInRefused(retry_after=None)
