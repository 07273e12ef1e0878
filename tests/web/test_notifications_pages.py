"""The bell in every page's header, the notifications page (mark read, mark all read, with and
without htmx), and the delegation section of the account page, in both languages.

Each test checks the template and its context first, then as little HTML as it needs.
"""

from __future__ import annotations

import re
from datetime import timedelta

from engine import clock
from engine.db import Database
from engine.delegations import delegate_of
from engine.notifications import notify
from engine.users import add_user
from tests.web.conftest import PageClient

HX = {"HX-Request": "true"}


def _tell(database: Database, user: str, customer: str, **kw: object) -> int:
    with database.transaction() as session:
        row = notify(
            session,
            recipients=user,
            kind="terms_changed",
            params={"customer": customer},
            link=str(kw.get("link", "/customers/C-1")),
            now=clock.utcnow(),
        )[0]
        assert row.id is not None
        return row.id


def _csrf(pages: PageClient) -> str:
    return str(pages.get("/account").context["csrf_token"])


def _bell_count(html: str) -> int:
    found = re.search(r'<a id="bell"[^>]*>.*?data-count="(\d+)"', html, re.S)
    assert found is not None, "no bell in the page"
    return int(found[1])


def test_the_bell_shows_the_unread_count_on_every_page(pages: PageClient) -> None:
    pages.login("sam", ["sales"])
    _tell(pages.database, "sam", "Acme")
    _tell(pages.database, "sam", "Beta")
    for path in ("/account", "/customers", "/inbox", "/notifications"):
        response = pages.get(path)
        assert response.context["unread_notifications"] == 2, path
        assert _bell_count(response.text) == 2, path
    html = pages.get("/account").text
    # a link with a label for screen readers, fetched again by htmx every minute
    assert 'href="/notifications"' in html and '<span class="sr-only">Notifications:</span>' in html
    assert 'hx-trigger="every 60s, notifications-changed from:body"' in html
    bell = pages.get("/notifications/bell")
    assert bell.template.name == "bell.html" and _bell_count(bell.text) == 2


def test_the_page_lists_unread_first_and_marks_read(pages: PageClient) -> None:
    pages.login("sam", ["sales"])
    first = _tell(pages.database, "sam", "Acme")
    second = _tell(pages.database, "sam", "Beta", link="/cases/7")
    response = pages.get("/notifications")
    assert response.template.name == "notifications.html"
    context = response.context
    assert [n["id"] for n in context["unread"]] == [second, first]
    assert context["earlier"] == []
    assert context["unread"][0]["text"] == "The credit terms of Beta changed"
    assert '<a href="/cases/7">The credit terms of Beta changed</a>' in response.text
    marked = pages.post(
        f"/notifications/{first}/read",
        data={"csrf_token": _csrf(pages)},
        follow_redirects=False,
    )
    assert (marked.status_code, marked.headers["location"]) == (303, "/notifications")
    after = pages.get("/notifications").context
    assert [n["id"] for n in after["unread"]] == [second]
    assert [n["id"] for n in after["earlier"]] == [first]
    assert after["unread_notifications"] == 1


def test_htmx_marks_read_in_place_and_tells_the_bell(pages: PageClient) -> None:
    pages.login("sam", ["sales"])
    first = _tell(pages.database, "sam", "Acme")
    _tell(pages.database, "sam", "Beta")
    csrf = _csrf(pages)
    one = pages.post(f"/notifications/{first}/read", data={"csrf_token": csrf}, headers=HX)
    assert one.status_code == 200
    assert one.headers["HX-Trigger"] == "notifications-changed"
    assert "<html" not in one.text and f'id="notification-{first}"' in one.text
    assert _bell_count(pages.get("/notifications/bell").text) == 1
    everything = pages.post("/notifications/read-all", data={"csrf_token": csrf}, headers=HX)
    assert everything.headers["HX-Trigger"] == "notifications-changed"
    assert "No unread notifications." in everything.text
    assert _bell_count(pages.get("/notifications/bell").text) == 0


def test_another_users_notification_cannot_be_marked(pages: PageClient) -> None:
    pages.login("sam", ["sales"])
    with pages.database.transaction() as session:
        add_user(session, "other", roles=("sales",), now=clock.utcnow())
    theirs = _tell(pages.database, "other", "Acme")
    refused = pages.post(f"/notifications/{theirs}/read", data={"csrf_token": _csrf(pages)})
    assert refused.status_code == 404
    # without the session's CSRF token nothing is marked
    assert pages.post("/notifications/read-all", data={"csrf_token": "x"}).status_code == 403


def test_the_notifications_page_in_chinese(pages: PageClient) -> None:
    pages.login("sam", ["sales"])
    _tell(pages.database, "sam", "Acme")
    response = pages.get("/notifications?lang=zh")
    assert response.context["unread"][0]["text"] == "Acme 的信用条件已变更"
    assert "<h1>通知</h1>" in response.text and "全部标为已读" in response.text


def test_the_account_page_sets_and_revokes_a_delegation(pages: PageClient) -> None:
    pages.login("sam", ["sales"])
    with pages.database.transaction() as session:
        add_user(session, "deputy", roles=("sales",), now=clock.utcnow())
    start = clock.utcnow() - timedelta(minutes=1)
    form = {
        "delegate": "deputy",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "comment": "trade fair",
        "csrf_token": _csrf(pages),
    }
    set_ = pages.post("/account/delegations", data=form, follow_redirects=False)
    assert (set_.status_code, set_.headers["location"]) == (303, "/account#delegations")
    account = pages.get("/account")
    (delegation,) = account.context["delegations"]
    assert (delegation.delegate, delegation.comment, delegation.is_active) == (
        "deputy",
        "trade fair",
        True,
    )
    assert "deputy stands in for you" in account.text
    with pages.database.transaction() as session:
        assert delegate_of(session, "sam", clock.utcnow()) == "deputy"
    revoked = pages.post(
        f"/account/delegations/{delegation.id}/revoke",
        data={"csrf_token": form["csrf_token"]},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    with pages.database.transaction() as session:
        assert delegate_of(session, "sam", clock.utcnow()) is None


def test_a_refused_delegation_is_shown_with_what_was_typed(pages: PageClient) -> None:
    pages.login("sam", ["sales"])
    form = {
        "delegate": "sam",
        "starts_at": "2100-01-01T00:00",
        "ends_at": "2100-01-02T00:00",
        "comment": "oops",
        "csrf_token": _csrf(pages),
    }
    refused = pages.post("/account/delegations", data=form)
    assert refused.status_code == 422
    assert refused.template.name == "account.html"
    assert refused.context["delegation_error"] == "a user cannot delegate to themselves"
    assert refused.context["delegation_form"]["comment"] == "oops"
    zh = pages.post("/account/delegations?lang=zh", data={**form, "starts_at": "soon"})
    assert zh.status_code == 422 and zh.context["delegation_error"] == "这不是有效的日期和时间"
    assert pages.get("/account").context["delegations"] == ()


def test_an_error_page_shows_the_bell_without_a_count_and_fetches_it(pages: PageClient) -> None:
    pages.login("sam", ["sales"])
    _tell(pages.database, "sam", "Acme")
    missing = pages.get("/customers/NOPE")
    assert missing.status_code == 404 and missing.template.name == "error.html"
    assert 'id="bell"' in missing.text and "data-count" not in missing.text
    assert 'hx-trigger="load, every 60s, notifications-changed from:body"' in missing.text
