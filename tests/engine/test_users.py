"""Users, roles and passwords on each backend (tokens: test_tokens; sign-in: test_logins)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from engine import audit
from engine.db import Database
from engine.errors import ConflictError, InvalidRequestError, NotFoundError
from engine.models import AuditEntry, Department, User
from engine.users import (
    add_user,
    get_user,
    grant_role,
    hash_password,
    revoke_role,
    roles_of,
    set_active,
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


def test_revoke_role_takes_back_one_grant_and_audits(database: Database) -> None:
    with database.transaction() as session:
        add_user(session, "alice", roles=["sales"], department="east", now=NOW)
        grant_role(session, "alice", "sales", actor="admin", now=NOW)
    with database.transaction() as session:
        assert revoke_role(session, "alice", "sales", department="east", actor="admin", now=NOW)
        assert not revoke_role(session, "alice", "sales", department="east", actor="a", now=NOW)
        user = get_user(session, "alice")
    assert user is not None and user.departments == frozenset() and user.roles == {"sales"}
    assert _actions(database)[-1] == "role.revoked"


def test_disabled_user_is_gone_and_cannot_disable_themselves(database: Database) -> None:
    with database.transaction() as session:
        add_user(session, "alice", roles=["admin"], now=NOW)
        add_user(session, "bob", roles=["sales"], now=NOW)
    with pytest.raises(InvalidRequestError), database.transaction() as session:
        set_active(session, "alice", False, actor="alice", now=NOW)
    with database.transaction() as session:
        assert set_active(session, "bob", False, actor="alice", now=NOW)
        assert get_user(session, "bob") is None
        assert set_active(session, "bob", True, actor="alice", now=NOW)
        assert get_user(session, "bob") is not None
    assert _actions(database)[-2:] == ["user.disabled", "user.enabled"]
