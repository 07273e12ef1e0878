"""The account page: changing one's password, the live sessions, signing out everywhere.

Each test checks the template and its context first, then as little HTML as it needs.
"""

from __future__ import annotations

from engine import clock
from engine.db import Database
from engine.logins import list_sessions
from tests.web.conftest import PASSWORD, PageClient

NEW_PASSWORD = "a much longer secret"


def _csrf(pages: PageClient) -> str:
    return str(pages.get("/account").context["csrf_token"])


def _sessions(database: Database, name: str) -> int:
    with database.transaction() as session:
        return len(list_sessions(session, name, now=clock.utcnow()))


def test_account_page_lists_the_sessions_and_marks_this_one(pages: PageClient) -> None:
    pages.login("sam", ["sales"])
    response = pages.get("/account")
    assert response.template.name == "account.html"
    context = response.context
    assert [s.user.name for s in context["sessions"]] == ["sam"]
    assert context["current_session_id"] == context["sessions"][0].id
    assert context["message"] is None and context["error"] is None
    assert "this session" in response.text
    # the page names itself in the navigation of every signed-in user
    assert 'href="/account"' in response.text


def test_password_change_needs_the_same_new_password_twice(pages: PageClient) -> None:
    pages.login("sam", ["sales"])
    response = pages.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD + "x",
            "csrf_token": _csrf(pages),
        },
    )
    assert response.status_code == 422
    assert response.template.name == "account.html"
    assert response.context["error"] == "mismatch"
    assert "The new password and its confirmation differ." in response.text


def test_password_change_refuses_a_wrong_current_password_and_a_short_new_one(
    pages: PageClient,
) -> None:
    pages.login("sam", ["sales"])
    wrong = pages.post(
        "/account/password",
        data={
            "current_password": "not it",
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": _csrf(pages),
        },
    )
    assert wrong.status_code == 422
    assert wrong.context["error"] == "wrong_current"
    assert "The current password is wrong." in wrong.text
    short = pages.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "short",
            "confirm_password": "short",
            "csrf_token": _csrf(pages),
        },
    )
    assert short.status_code == 422
    assert short.context["error"] == "a password needs at least 10 characters"
    assert "a password needs at least 10 characters" in short.text


def test_password_change_keeps_this_session_and_ends_the_others(
    database: Database, pages: PageClient
) -> None:
    pages.login("sam", ["sales"])
    other = pages.cookies.get("riskdesk_session")
    pages.cookies.clear()
    pages.post(
        "/login",
        data={"username": "sam", "password": PASSWORD, "csrf_token": pages.csrf()},
        follow_redirects=False,
    )
    assert other and _sessions(database, "sam") == 2
    response = pages.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": _csrf(pages),
        },
    )
    assert response.status_code == 200
    assert response.context["message"] == "password_changed"
    assert len(response.context["sessions"]) == 1
    assert _sessions(database, "sam") == 1
    # the new password signs in, the old one no longer does
    pages.cookies.clear()
    refused = pages.post(
        "/login", data={"username": "sam", "password": PASSWORD, "csrf_token": pages.csrf()}
    )
    assert refused.status_code == 401


def test_revoking_another_session_ends_it(database: Database, pages: PageClient) -> None:
    pages.login("sam", ["sales"])
    mine = pages.cookies.get("riskdesk_session")
    pages.cookies.clear()
    pages.post(
        "/login",
        data={"username": "sam", "password": PASSWORD, "csrf_token": pages.csrf()},
        follow_redirects=False,
    )
    sessions = pages.get("/account").context["sessions"]
    current = pages.get("/account").context["current_session_id"]
    (other,) = [s for s in sessions if s.id != current]
    response = pages.post(
        f"/account/sessions/{other.id}/revoke",
        data={"csrf_token": _csrf(pages)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/account"
    assert [s.id for s in pages.get("/account").context["sessions"]] == [current]
    # the revoked session's cookie no longer signs anyone in
    pages.cookies.clear()
    pages.cookies.set("riskdesk_session", str(mine))
    assert pages.get("/account", follow_redirects=False).status_code == 303


def test_logout_everywhere_ends_every_session(database: Database, pages: PageClient) -> None:
    pages.login("sam", ["sales"])
    response = pages.post(
        "/account/logout-everywhere", data={"csrf_token": _csrf(pages)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert _sessions(database, "sam") == 0
    assert pages.get("/account", follow_redirects=False).status_code == 303


def test_account_posts_without_the_csrf_token_are_refused(
    database: Database, pages: PageClient
) -> None:
    pages.login("sam", ["sales"])
    for path in ("/account/logout-everywhere", "/account/sessions/1/revoke"):
        response = pages.post(path, data={"csrf_token": "forged"})
        assert response.status_code == 403
        assert response.template.name == "error.html"
    assert _sessions(database, "sam") == 1
