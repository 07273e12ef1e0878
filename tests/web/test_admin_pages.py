"""The administration pages: users and grants, passwords, API tokens, the audit log.

Each test checks the template and its context first, then as little HTML as it needs.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from engine import audit, clock
from engine.db import Database
from engine.tokens import list_tokens, user_for_token
from engine.users import add_user, get_user, list_users
from tests.audit_triggers import tampering
from tests.web.conftest import NOW, PASSWORD, PageClient


def _csrf(pages: PageClient, path: str = "/admin/users") -> str:
    return str(pages.get(path).context["csrf_token"])


def _post(pages: PageClient, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return pages.post(path, data={**data, "csrf_token": _csrf(pages)}, **kwargs)


def _add(database: Database, name: str, roles: tuple[str, ...] = (), **kwargs: Any) -> None:
    with database.transaction() as session:
        add_user(session, name, roles=roles, password=PASSWORD, now=clock.utcnow(), **kwargs)


def _user(database: Database, name: str) -> Any:
    with database.transaction() as session:
        return {u.name: u for u in list_users(session)}[name]


# --- who may use them --------------------------------------------------------------------------


def test_admin_pages_need_users_admin_everywhere(database: Database, pages: PageClient) -> None:
    _add(database, "dora", ("admin",), department="east")
    pages.login("sam", ["sales"])
    for path in ("/admin/users", "/admin/users/dora", "/admin/tokens", "/admin"):
        assert pages.get(path).status_code == 403, path
    assert 'href="/admin"' not in pages.get("/account").text
    # a grant of admin in one department is not enough to manage users
    pages.cookies.clear()
    response = pages.post(
        "/login",
        data={"username": "dora", "password": PASSWORD, "csrf_token": pages.csrf()},
        follow_redirects=False,
    )
    assert response.status_code == 303
    refused = pages.get("/admin/users")
    assert refused.status_code == 403
    assert "users:admin everywhere" in refused.context["detail"]
    refused = pages.post("/admin/users", data={"name": "eve", "csrf_token": _csrf(pages, "/")})
    assert refused.status_code == 403
    with database.transaction() as session:
        assert get_user(session, "eve") is None


def test_the_admin_link_leads_an_admin_to_the_users_page(pages: PageClient) -> None:
    pages.login("ada", ["admin"])
    assert 'href="/admin"' in pages.get("/account").text
    response = pages.get("/admin", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/users"


# --- users -------------------------------------------------------------------------------------


def test_users_page_lists_users_with_their_grants(database: Database, pages: PageClient) -> None:
    _add(database, "sally", ("sales_manager",), department="east")
    pages.login("ada", ["admin"])
    response = pages.get("/admin/users")
    assert response.template.name == "admin_users.html"
    rows = {r["user"].name: r for r in response.context["users"]}
    assert rows["sally"]["grants"] == [{"role": "sales_manager", "department": "east"}]
    assert rows["ada"]["grants"] == [{"role": "admin", "department": None}]
    assert "east" in response.context["departments"]
    assert "sales_manager" in response.context["roles"]
    assert response.context["created"] is None


def test_adding_a_user_with_a_department_grant_and_a_generated_password(
    database: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    response = _post(
        pages,
        "/admin/users",
        {"name": "lee", "display_name": "Lee Wen", "role": "legal", "department": "north"},
    )
    assert response.status_code == 200
    assert response.template.name == "admin_users.html"
    created = response.context["created"]
    assert created["name"] == "lee" and len(created["password"]) >= 10
    assert created["password"] in response.text
    assert response.headers["cache-control"] == "no-store"
    lee = _user(database, "lee")
    assert lee.display_name == "Lee Wen" and lee.is_active
    assert lee.can("customers:read", "north") and not lee.can("customers:read", "east")
    # the password shown signs in; the page shows it no more
    assert created["password"] not in pages.get("/admin/users").text
    pages.cookies.clear()
    signed_in = pages.post(
        "/login",
        data={"username": "lee", "password": created["password"], "csrf_token": pages.csrf()},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303


def test_adding_a_user_with_a_chosen_password_does_not_show_it(
    database: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    response = _post(pages, "/admin/users", {"name": "kim", "password": "kim's own secret"})
    assert response.context["created"] == {"name": "kim", "password": None}
    assert "kim&#39;s own secret" not in response.text
    assert _user(database, "kim").roles == frozenset()


def test_adding_a_user_refuses_a_taken_name_and_a_weak_password_storing_nothing(
    database: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    taken = _post(pages, "/admin/users", {"name": "ada", "role": "sales"})
    assert taken.status_code == 422
    assert taken.template.name == "admin_users.html"
    assert taken.context["error"] == "there is already a user 'ada'"
    assert "there is already a user" in taken.text
    weak = _post(pages, "/admin/users", {"name": "bo", "password": "short", "role": "sales"})
    assert weak.status_code == 422
    assert weak.context["error"] == "a password needs at least 10 characters"
    # the form keeps what was typed, except the password
    assert weak.context["form"]["name"] == "bo" and 'value="bo"' in weak.text
    with database.transaction() as session:
        assert get_user(session, "bo") is None
    long_role = _post(pages, "/admin/users", {"name": "cy", "role": "r" * 150})
    assert long_role.status_code == 422
    assert long_role.context["error"] == "a role name has at most 100 characters"
    with database.transaction() as session:
        assert get_user(session, "cy") is None


def test_user_page_grants_and_revokes_roles(database: Database, pages: PageClient) -> None:
    _add(database, "sally", ("sales",))
    pages.login("ada", ["admin"])
    response = pages.get("/admin/users/sally")
    assert response.template.name == "admin_user.html"
    assert response.context["shown"].name == "sally"
    assert response.context["grants"] == [{"role": "sales", "department": None}]
    granted = _post(
        pages,
        "/admin/users/sally/grants",
        {"role": "department_head", "department": "west"},
        follow_redirects=False,
    )
    assert granted.status_code == 303 and granted.headers["location"] == "/admin/users/sally"
    assert _user(database, "sally").can("view_sensitive", "west")
    revoked = _post(
        pages, "/admin/users/sally/grants/revoke", {"role": "sales"}, follow_redirects=False
    )
    assert revoked.status_code == 303
    grants = pages.get("/admin/users/sally").context["grants"]
    assert grants == [{"role": "department_head", "department": "west"}]


def test_a_user_whose_name_holds_a_slash_has_a_working_page(
    database: Database, pages: PageClient
) -> None:
    _add(database, "east/sally", ("sales",))
    pages.login("ada", ["admin"])
    response = pages.get("/admin/users/east%2Fsally")
    assert response.status_code == 200
    assert response.context["shown"].name == "east/sally"
    granted = _post(
        pages, "/admin/users/east%2Fsally/grants", {"role": "legal"}, follow_redirects=False
    )
    assert granted.status_code == 303
    assert granted.headers["location"] == "/admin/users/east%2Fsally"
    assert _user(database, "east/sally").roles == frozenset({"sales", "legal"})


def test_users_list_shows_each_users_own_grants(database: Database) -> None:
    _add(database, "sally", ("sales",), department="east")
    _add(database, "fred", ("finance_head",))
    with database.transaction() as session:
        users = {u.name: u for u in list_users(session)}
    assert users["sally"].roles == frozenset({"sales"})
    assert users["sally"].departments == frozenset({"east"})
    assert users["fred"].roles == frozenset({"finance_head"}) and not users["fred"].departments


def test_a_bad_grant_re_renders_the_user_page_with_the_error(
    database: Database, pages: PageClient
) -> None:
    _add(database, "sally", ("sales",))
    pages.login("ada", ["admin"])
    response = _post(pages, "/admin/users/sally/grants", {"role": "  "})
    assert response.status_code == 422
    assert response.template.name == "admin_user.html"
    assert response.context["error"] == "a role name may not be empty"


def test_an_unknown_user_page_is_404(pages: PageClient) -> None:
    pages.login("ada", ["admin"])
    response = pages.get("/admin/users/nobody")
    assert response.status_code == 404
    assert response.template.name == "error.html"
    assert _post(pages, "/admin/users/nobody/password", {}).status_code == 404


def test_disabling_a_user_ends_their_session_and_enabling_restores_sign_in(
    database: Database, pages: PageClient
) -> None:
    _add(database, "sally", ("sales",))
    pages.login("ada", ["admin"])
    response = _post(
        pages, "/admin/users/sally/active", {"is_active": "false"}, follow_redirects=False
    )
    assert response.status_code == 303
    page = pages.get("/admin/users/sally")
    assert page.context["shown"].is_active is False
    assert "Enable user" in page.text
    _post(pages, "/admin/users/sally/active", {"is_active": "true"})
    assert _user(database, "sally").is_active


def test_an_admin_cannot_disable_themselves(database: Database, pages: PageClient) -> None:
    pages.login("ada", ["admin"])
    response = _post(pages, "/admin/users/ada/active", {"is_active": "false"})
    assert response.status_code == 422
    assert response.context["error"] == "you cannot disable your own account"
    assert _user(database, "ada").is_active


def test_resetting_a_password_shows_the_new_one_once(database: Database, pages: PageClient) -> None:
    _add(database, "sally", ("sales",))
    pages.login("ada", ["admin"])
    response = _post(pages, "/admin/users/sally/password", {})
    assert response.status_code == 200
    assert response.template.name == "admin_user.html"
    password = response.context["new_password"]
    assert password and password in response.text
    assert response.headers["cache-control"] == "no-store"
    assert password not in pages.get("/admin/users/sally").text
    pages.cookies.clear()
    for tried, status in [(PASSWORD, 401), (password, 303)]:
        answer = pages.post(
            "/login",
            data={"username": "sally", "password": tried, "csrf_token": pages.csrf()},
            follow_redirects=False,
        )
        assert answer.status_code == status


def test_admin_posts_without_the_csrf_token_are_refused(
    database: Database, pages: PageClient
) -> None:
    _add(database, "sally", ("sales",))
    pages.login("ada", ["admin"])
    for path, data in [
        ("/admin/users", {"name": "eve"}),
        ("/admin/users/sally/grants", {"role": "cfo"}),
        ("/admin/users/sally/grants/revoke", {"role": "sales"}),
        ("/admin/users/sally/active", {"is_active": "false"}),
        ("/admin/users/sally/password", {}),
        ("/admin/tokens", {"owner": "sally", "name": "t", "scopes": "customers:read"}),
        ("/admin/tokens/1/revoke", {}),
    ]:
        response = pages.post(path, data={**data, "csrf_token": "forged"})
        assert response.status_code == 403, path
        assert response.template.name == "error.html"
    sally = _user(database, "sally")
    assert sally.is_active and sally.roles == frozenset({"sales"})
    with database.transaction() as session:
        assert get_user(session, "eve") is None
        assert list_tokens(session, now=clock.utcnow()) == ()


# --- tokens ------------------------------------------------------------------------------------


def test_creating_a_token_shows_its_secret_once_and_limits_its_scope(
    database: Database, pages: PageClient
) -> None:
    _add(database, "ivy", ("integration",))
    pages.login("ada", ["admin"])
    page = pages.get("/admin/tokens")
    assert page.template.name == "admin_tokens.html"
    assert "ivy" in page.context["users"]
    assert page.context["lifetimes"] == (7, 30, 90, 365)
    assert {p.name for p in page.context["permissions"]} >= {"customers:read", "users:admin"}
    response = pages.post(
        "/admin/tokens",
        data={
            "owner": "ivy",
            "name": "erp",
            "days": "30",
            "scopes": ["customers:read", "events:write"],
            "csrf_token": page.context["csrf_token"],
        },
    )
    assert response.status_code == 200
    created = response.context["created"]
    assert created.token.user == "ivy" and created.token.name == "erp"
    assert created.token.scopes == ("customers:read", "events:write")
    assert created.secret in response.text
    assert response.headers["cache-control"] == "no-store"
    assert created.secret not in pages.get("/admin/tokens").text
    now = clock.utcnow()
    with database.transaction() as session:
        caller = user_for_token(session, created.secret, now=now)
    assert caller is not None and caller.name == "ivy"
    assert caller.can("events:write") and not caller.can("customers:write")
    assert created.token.expires_at is not None
    assert 29 <= (created.token.expires_at - now).days <= 30
    # the list shows the token, without its secret
    listed = pages.get("/admin/tokens")
    assert [t.name for t in listed.context["tokens"]] == ["erp"]
    assert "customers:read, events:write" in listed.text


def test_a_token_scope_beyond_its_owner_is_refused(database: Database, pages: PageClient) -> None:
    _add(database, "ivy", ("integration",))
    pages.login("ada", ["admin"])
    response = _post(
        pages,
        "/admin/tokens",
        {"owner": "ivy", "name": "erp", "days": "90", "scopes": ["users:admin"]},
    )
    assert response.status_code == 422
    assert response.template.name == "admin_tokens.html"
    assert "does not hold users:admin" in response.context["error"]
    assert response.context["form"]["scopes"] == ["users:admin"]
    no_scope: dict[str, Any] = {"owner": "ivy", "name": "erp", "days": "90"}
    for data in [
        no_scope,
        {"owner": "ivy", "name": "erp", "days": "3", "scopes": ["customers:read"]},
    ]:
        refused = _post(pages, "/admin/tokens", data)
        assert refused.status_code == 422, data
    with database.transaction() as session:
        assert list_tokens(session, now=clock.utcnow()) == ()


def test_revoking_a_token_from_the_user_page_returns_there(
    database: Database, pages: PageClient
) -> None:
    _add(database, "ivy", ("integration",))
    pages.login("ada", ["admin"])
    created = _post(
        pages,
        "/admin/tokens",
        {"owner": "ivy", "name": "erp", "days": "7", "scopes": ["customers:read"]},
    ).context["created"]
    user_page = pages.get("/admin/users/ivy")
    assert [t.id for t in user_page.context["tokens"]] == [created.token.id]
    response = _post(
        pages,
        f"/admin/tokens/{created.token.id}/revoke",
        {"back": "user"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/admin/users/ivy"
    (token,) = pages.get("/admin/tokens").context["tokens"]
    assert token.revoked_at is not None and not token.is_live
    with database.transaction() as session:
        assert user_for_token(session, created.secret, now=clock.utcnow()) is None
    assert _post(pages, "/admin/tokens/99999/revoke", {}).status_code == 404


# --- the audit log -----------------------------------------------------------------------------


def _record(database: Database, count: int, **fields: Any) -> None:
    with database.transaction() as session:
        for n in range(count):
            audit.record(
                session,
                actor=fields.get("actor", "api"),
                action=fields.get("action", "customer.updated"),
                entity_kind="customer",
                entity_id=f"C-{n}",
                customer_ref=fields.get("customer_ref"),
                department=fields.get("department"),
                detail={"n": n},
                now=fields.get("now", NOW),
            )


def test_audit_page_filters_by_actor_customer_action_and_day(
    database: Database, pages: PageClient
) -> None:
    _record(database, 2, actor="api", customer_ref="C-1", department="east")
    _record(database, 1, actor="bot", action="terms.changed", now=NOW - timedelta(days=30))
    pages.login("ada", ["admin"])
    response = pages.get("/admin/audit")
    assert response.template.name == "admin_audit.html"
    rows = response.context["rows"]
    assert rows[0].action == "user.login" and rows[0].actor == "ada"  # newest first
    assert {"api", "bot"} <= {r.actor for r in rows}
    assert response.context["may_verify"] is True and response.context["report"] is None
    by_actor = pages.get("/admin/audit", params={"actor": "api"}).context["rows"]
    assert [(r.actor, r.customer_ref) for r in by_actor] == [("api", "C-1"), ("api", "C-1")]
    by_customer = pages.get("/admin/audit", params={"customer": "C-1"}).context["rows"]
    assert len(by_customer) == 2
    by_action = pages.get("/admin/audit", params={"action": "terms."}).context["rows"]
    assert [r.actor for r in by_action] == ["bot"]
    day = (NOW - timedelta(days=30)).date().isoformat()
    by_day = pages.get("/admin/audit", params={"from": day, "to": day}).context["rows"]
    assert [r.actor for r in by_day] == ["bot"]
    before = pages.get("/admin/audit", params={"to": NOW.date().isoformat(), "actor": "api"})
    assert len(before.context["rows"]) == 2
    assert 'value="api"' in before.text
    assert "/admin/audit.csv?actor=api&amp;to=" in before.text


def test_audit_page_refuses_a_malformed_day_with_its_name(
    database: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    response = pages.get("/admin/audit", params={"from": "2026-13-01"})
    assert response.status_code == 422
    assert response.template.name == "admin_audit.html"
    assert response.context["error"] == "the day 'from' is not a date (YYYY-MM-DD): 2026-13-01"
    backwards = pages.get("/admin/audit", params={"from": "2026-11-02", "to": "2026-11-01"})
    assert backwards.context["error"] == "the day 'to' is before the day 'from'"
    assert pages.get("/admin/audit.csv", params={"to": "soon"}).status_code == 422


def test_audit_page_pages_through_rows_with_a_cursor(database: Database, pages: PageClient) -> None:
    _record(database, 60, actor="api")
    pages.login("ada", ["admin"])
    first = pages.get("/admin/audit", params={"actor": "api"}).context
    assert len(first["rows"]) == 50 and first["next_cursor"]
    assert "actor=api" in first["next_params"]
    second = pages.get(f"/admin/audit?{first['next_params']}").context
    assert len(second["rows"]) == 10 and second["next_cursor"] is None
    ids = [r.id for r in first["rows"]] + [r.id for r in second["rows"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 60
    assert pages.get("/admin/audit", params={"cursor": "forged"}).status_code == 422


def test_audit_csv_exports_every_matching_row(database: Database, pages: PageClient) -> None:
    _record(database, 3, actor="api", customer_ref="C-9")
    _record(database, 1, actor="=cmd()", customer_ref="C-9")
    pages.login("ada", ["admin"])
    response = pages.get("/admin/audit.csv", params={"customer": "C-9"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == [
        "id",
        "at",
        "actor",
        "action",
        "entity_kind",
        "entity_id",
        "department",
        "customer_ref",
        "detail",
    ]
    # a value a spreadsheet would run as a formula is quoted
    assert [r[2] for r in rows[1:]] == ["'=cmd()", "api", "api", "api"]
    assert json.loads(rows[1][8]) == {"n": 0}


def test_a_department_audit_reader_sees_only_their_departments_rows_and_cannot_verify(
    database: Database, pages: PageClient
) -> None:
    _record(database, 1, actor="api", customer_ref="C-E", department="east")
    _record(database, 1, actor="api", customer_ref="C-W", department="west")
    _add(database, "aud", ("auditor",), department="east")
    pages.cookies.clear()
    pages.post(
        "/login",
        data={"username": "aud", "password": PASSWORD, "csrf_token": pages.csrf()},
        follow_redirects=False,
    )
    response = pages.get("/admin/audit")
    assert [r.customer_ref for r in response.context["rows"]] == ["C-E"]
    assert response.context["may_verify"] is False
    assert "/admin/audit/verify" not in response.text
    exported = pages.get("/admin/audit.csv").text
    assert "C-E" in exported and "C-W" not in exported
    refused = pages.post("/admin/audit/verify", data={"csrf_token": response.context["csrf_token"]})
    assert refused.status_code == 403
    assert pages.get("/admin", follow_redirects=False).headers["location"] == "/admin/audit"
    assert pages.get("/admin/users").status_code == 403


def test_verify_shows_an_intact_chain_with_its_row_count(
    database: Database, pages: PageClient
) -> None:
    _record(database, 3)
    pages.login("ada", ["admin"])
    response = _post(pages, "/admin/audit/verify", {})
    assert response.status_code == 200
    assert response.template.name == "admin_audit.html"
    report = response.context["report"]
    assert report.is_intact and report.rows >= 3
    assert f"Chain intact: {report.rows} rows verified." in response.text
    # an htmx request gets the result alone
    fragment = pages.post(
        "/admin/audit/verify",
        data={"csrf_token": _csrf(pages)},
        headers={"HX-Request": "true"},
    )
    assert fragment.text.strip().startswith('<p class="verify verify-intact"')
    refused = pages.post("/admin/audit/verify", data={"csrf_token": "forged"})
    assert refused.status_code == 403


def test_verify_shows_the_first_changed_row(database: Database, pages: PageClient) -> None:
    _record(database, 3)
    pages.login("ada", ["admin"])
    with tampering(database) as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = 2"))
    response = _post(pages, "/admin/audit/verify", {})
    problem = response.context["report"].problem
    assert (problem.kind, problem.row_id) == ("changed", 2)
    assert "Chain broken: a row was changed." in response.text
    assert "row 2 changed" in response.text


def test_admin_pages_speak_chinese(database: Database, pages: PageClient) -> None:
    _add(database, "sally", ("sales",))
    pages.login("ada", ["admin"])
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    for url, expected in [
        ("/admin/users", "添加用户"),
        ("/admin/users/sally", "重置密码"),
        ("/admin/tokens", "查看客户及其事件、评估和案件"),
        ("/admin/audit", "校验审计链"),
        ("/account", "退出所有会话"),
    ]:
        response = pages.get(url, headers=zh)
        assert response.status_code == 200, url
        assert response.context["page_language"] == "zh", url
        assert expected in response.text, url
