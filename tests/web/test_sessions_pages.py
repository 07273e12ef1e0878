"""Sessions against forgery (issue 8, defect 1): a cookie nobody was given grants nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from sqlmodel import select

from engine.db import Database
from engine.models import UserSession
from tests.web.conftest import RISKY, PageClient, upsert
from web.sessions import LOGIN_COOKIE, SESSION_COOKIE


def _signed(payload: dict[str, object], key: str) -> str:
    """A cookie value signed as the old built-in-key cookies were."""
    raw = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    digest = hmac.new(key.encode(), raw.encode(), hashlib.sha256).digest()
    return f"{raw}.{base64.urlsafe_b64encode(digest).decode().rstrip('=')}"


def test_a_cookie_signed_with_the_old_built_in_key_cannot_close_a_case(
    workspace: Database, pages: PageClient
) -> None:
    (case_id,) = upsert(workspace, "C-RISK", RISKY).cases_opened
    pages.login("sam", ["sales_manager"])
    pages.cookies.clear()
    forged = _signed({"u": "sam", "c": "csrf", "t": int(time.time())}, "change-me-in-production")
    pages.cookies.set(SESSION_COOKIE, forged)
    pages.cookies.set(LOGIN_COOKIE, forged)
    response = pages.post(
        f"/cases/{case_id}/actions/no_change",
        data={"csrf_token": "csrf", "comment": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert pages.get(f"/cases/{case_id}", follow_redirects=False).status_code == 303


def test_the_session_cookie_is_a_random_secret_stored_only_as_a_hash(
    database: Database, pages: PageClient
) -> None:
    pages.login("sam", ["sales"])
    secret = pages.cookies.get(SESSION_COOKIE)
    assert secret and len(secret) >= 40
    with database.transaction() as session:
        (row,) = session.exec(select(UserSession)).all()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in row.token_hash


def test_a_revoked_session_cookie_is_signed_out(database: Database, pages: PageClient) -> None:
    pages.login("sam", ["sales"])
    assert pages.get("/customers", follow_redirects=False).status_code == 200
    with database.transaction() as session:
        row = session.exec(select(UserSession)).one()
        row.revoked_at = row.created_at
        session.add(row)
    assert pages.get("/customers", follow_redirects=False).status_code == 303
