"""API tokens: shown once, stored hashed, scoped, expiring, revocable, on each backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from engine.db import Database
from engine.errors import InvalidRequestError, NotFoundError
from engine.models import ApiToken, AuditEntry, User
from engine.tokens import (
    create_token,
    list_tokens,
    revoke_token,
    revoke_token_by_id,
    user_for_token,
)
from engine.users import add_user, get_user

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _actions(database: Database) -> list[str]:
    with database.transaction() as session:
        return [e.action for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))]


def test_token_secret_is_shown_once_and_stored_hashed(database: Database) -> None:
    with database.transaction() as session:
        add_user(session, "integrator", roles=["admin"], now=NOW)
        created = create_token(session, "integrator", name="erp", now=NOW)
    secret = created.secret
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


def test_token_expires_after_90_days_by_default(database: Database) -> None:
    with database.transaction() as session:
        add_user(session, "integrator", roles=["admin"], now=NOW)
        created = create_token(session, "integrator", name="erp", now=NOW)
    assert created.token.expires_at == NOW + timedelta(days=90)
    with database.transaction() as session:
        assert user_for_token(session, created.secret, now=NOW + timedelta(days=89)) is not None
        assert user_for_token(session, created.secret, now=NOW + timedelta(days=90)) is None
        (listed,) = list_tokens(session, now=NOW + timedelta(days=91))
    assert not listed.is_live and listed.revoked_at is None


def test_scoped_token_holds_only_its_scope(database: Database) -> None:
    with database.transaction() as session:
        add_user(session, "erp", roles=["sales_manager"], now=NOW)
        created = create_token(session, "erp", name="sync", scopes=["events:write"], now=NOW)
        user = user_for_token(session, created.secret, now=NOW)
    assert user is not None
    assert user.can("events:write") and not user.can("customers:read")
    assert created.token.scopes == ("events:write",)


def test_scope_beyond_the_owner_or_unknown_is_refused(database: Database) -> None:
    with database.transaction() as session:
        add_user(session, "erp", roles=["sales"], now=NOW)
    refusals = {"does not hold users:admin": ["users:admin"], "unknown permission": ["all"]}
    for message, scopes in refusals.items():
        with pytest.raises(InvalidRequestError, match=message), database.transaction() as session:
            create_token(session, "erp", name="x", scopes=scopes, now=NOW)
    with pytest.raises(InvalidRequestError, match="expires"), database.transaction() as session:
        create_token(session, "erp", name="x", lifetime=timedelta(days=3650), now=NOW)


def test_unknown_revoked_or_inactive_tokens_give_no_user(database: Database) -> None:
    with database.transaction() as session:
        add_user(session, "integrator", roles=["admin"], now=NOW)
        first = create_token(session, "integrator", name="one", now=NOW).secret
        second = create_token(session, "integrator", name="two", now=NOW).secret
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


def test_revoke_by_id_own_token_or_anyones_with_users_admin(database: Database) -> None:
    with database.transaction() as session:
        add_user(session, "ada", roles=["admin"], now=NOW)
        add_user(session, "sam", roles=["sales"], now=NOW)
        add_user(session, "eve", roles=["sales"], now=NOW)
        sams = create_token(session, "sam", name="mine", now=NOW)
        eves = create_token(session, "eve", name="mine", now=NOW)
        sam, ada = get_user(session, "sam"), get_user(session, "ada")
    assert sam is not None and ada is not None
    with pytest.raises(NotFoundError), database.transaction() as session:
        revoke_token_by_id(session, eves.token.id, caller=sam, now=NOW)
    with database.transaction() as session:
        assert revoke_token_by_id(session, sams.token.id, caller=sam, now=NOW).revoked_at == NOW
        assert revoke_token_by_id(session, eves.token.id, caller=ada, now=NOW).revoked_at == NOW
        assert user_for_token(session, eves.secret, now=NOW) is None
    assert _actions(database).count("token.revoked") == 2


def test_create_token_for_unknown_user_is_not_found(database: Database) -> None:
    with pytest.raises(NotFoundError), database.transaction() as session:
        create_token(session, "nobody", name="x", now=NOW)
