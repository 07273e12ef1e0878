"""Users, roles, passwords and API tokens, on each database backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from engine import audit
from engine.db import Database
from engine.errors import ConflictError, InvalidRequestError, NotFoundError
from engine.models import ApiToken, AuditEntry, Department, User
from engine.users import (
    add_user,
    authenticate,
    create_token,
    get_user,
    grant_role,
    hash_password,
    revoke_token,
    roles_of,
    user_for_token,
    verify_password,
)

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _actions(database: Database) -> list[str]:
    with database.transaction() as session:
        return [e.action for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))]


def test_add_user_grants_roles_creates_department_and_audits(database: Database) -> None:
    with database.transaction() as session:
        user = add_user(
            session,
            "alice",
            roles=["sales_manager", "admin", "sales_manager"],
            department="east",
            password="s3cret",
            now=NOW,
        )
    assert user.name == "alice"
    assert user.roles == frozenset({"sales_manager", "admin"})
    assert user.departments == frozenset({"east"})
    assert user.is_admin
    with database.transaction() as session:
        assert roles_of(session, "alice") == frozenset({"sales_manager", "admin"})
        assert [d.name for d in session.exec(select(Department))] == ["east"]
        stored = session.exec(select(User)).one()
        assert stored.password_hash is not None and "s3cret" not in stored.password_hash
        assert audit.verify_chain(session) is None
    assert _actions(database) == ["user.created", "role.granted", "role.granted"]


def test_add_user_before_any_template_with_free_role_names(database: Database) -> None:
    with database.transaction() as session:
        user = add_user(session, "bob", roles=["anything_goes"], now=NOW)
    assert user.roles == frozenset({"anything_goes"})
    assert not user.is_admin


def test_duplicate_user_name_is_a_conflict(database: Database) -> None:
    with database.transaction() as session:
        add_user(session, "alice", roles=["sales"], now=NOW)
    with pytest.raises(ConflictError, match="already a user 'alice'"), database.transaction() as s:
        add_user(s, "alice", roles=["sales"], now=NOW)


def test_empty_names_are_refused(database: Database) -> None:
    with pytest.raises(InvalidRequestError), database.transaction() as session:
        add_user(session, "  ", now=NOW)
    with database.transaction() as session:
        add_user(session, "carol", now=NOW)
    with pytest.raises(InvalidRequestError), database.transaction() as session:
        grant_role(session, "carol", "", actor="admin", now=NOW)


def test_grant_role_twice_writes_once(database: Database) -> None:
    with database.transaction() as session:
        add_user(session, "carol", now=NOW)
    with database.transaction() as session:
        assert grant_role(session, "carol", "legal", department="west", actor="admin", now=NOW)
        assert not grant_role(session, "carol", "legal", department="west", actor="admin", now=NOW)
        assert grant_role(session, "carol", "legal", actor="admin", now=NOW)
        assert roles_of(session, "carol") == frozenset({"legal"})
    assert _actions(database).count("role.granted") == 2


def test_grant_role_to_unknown_user_is_not_found(database: Database) -> None:
    with pytest.raises(NotFoundError), database.transaction() as session:
        grant_role(session, "nobody", "legal", actor="admin", now=NOW)


def test_password_hash_verifies_only_the_same_password() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2")
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "wrong horse")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")


def test_authenticate_checks_password_and_audits_both_outcomes(database: Database) -> None:
    with database.transaction() as session:
        add_user(session, "alice", roles=["sales"], password="pw", now=NOW)
        add_user(session, "tokenonly", roles=["sales"], now=NOW)
    with database.transaction() as session:
        assert authenticate(session, "alice", "pw", now=NOW) is not None
    with database.transaction() as session:
        assert authenticate(session, "alice", "nope", now=NOW) is None
        assert authenticate(session, "ghost", "pw", now=NOW) is None
        assert authenticate(session, "tokenonly", "", now=NOW) is None
    assert _actions(database)[-4:] == [
        "user.login",
        "user.login_failed",
        "user.login_failed",
        "user.login_failed",
    ]


def test_token_secret_is_shown_once_and_stored_hashed(database: Database) -> None:
    with database.transaction() as session:
        add_user(session, "integrator", roles=["admin"], now=NOW)
        secret = create_token(session, "integrator", name="erp", now=NOW)
    assert secret.startswith("rd_") and len(secret) > 30
    with database.transaction() as session:
        token = session.exec(select(ApiToken)).one()
        assert token.token_hash != secret and secret not in token.token_hash
        assert token.last_used_at is None
    later = NOW + timedelta(hours=1)
    with database.transaction() as session:
        user = user_for_token(session, secret, now=later)
    assert user is not None and user.name == "integrator" and user.is_admin
    with database.transaction() as session:
        assert session.exec(select(ApiToken)).one().last_used_at == later
    assert "token.created" in _actions(database)


def test_unknown_revoked_or_inactive_tokens_give_no_user(database: Database) -> None:
    with database.transaction() as session:
        add_user(session, "integrator", roles=["admin"], now=NOW)
        first = create_token(session, "integrator", name="one", now=NOW)
        second = create_token(session, "integrator", name="two", now=NOW)
    with database.transaction() as session:
        assert user_for_token(session, "rd_made_up", now=NOW) is None
        assert user_for_token(session, "", now=NOW) is None
        assert revoke_token(session, "integrator", "one", actor="admin", now=NOW) == 1
    with database.transaction() as session:
        assert user_for_token(session, first, now=NOW) is None
        assert user_for_token(session, second, now=NOW) is not None
        user = session.exec(select(User)).one()
        user.is_active = False
        session.add(user)
    with database.transaction() as session:
        assert user_for_token(session, second, now=NOW) is None
        assert get_user(session, "integrator") is None


def test_create_token_for_unknown_user_is_not_found(database: Database) -> None:
    with pytest.raises(NotFoundError), database.transaction() as session:
        create_token(session, "nobody", name="x", now=NOW)
