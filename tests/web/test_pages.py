"""The pages: login and CSRF, customer list and detail, the approval inbox and the case page.

Each test checks the template and its context first, then as little HTML as it needs.
"""

from __future__ import annotations

from engine.db import Database
from tests.web.conftest import HEALTHY, PASSWORD, RISKY, TERMS, PageClient, upsert


def test_signed_out_visitors_are_sent_to_login(pages: PageClient) -> None:
    response = pages.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F"
    response = pages.get("/inbox", follow_redirects=False)
    assert response.headers["location"] == "/login?next=%2Finbox"


def test_login_page_carries_a_csrf_token(pages: PageClient) -> None:
    response = pages.get("/login")
    assert response.template.name == "login.html"
    token = response.context["csrf_token"]
    assert token and f'value="{token}"' in response.text
    assert response.context["error"] is None


def test_login_without_the_csrf_token_is_refused(database: Database, pages: PageClient) -> None:
    pages.get("/login")
    response = pages.post("/login", data={"username": "x", "password": "y", "csrf_token": "no"})
    assert response.status_code == 403
    assert response.template.name == "error.html"


def test_a_wrong_password_shows_the_login_page_again(database: Database, pages: PageClient) -> None:
    pages.login("sam", ["sales_manager"])
    pages.cookies.clear()
    response = pages.post(
        "/login", data={"username": "sam", "password": "wrong", "csrf_token": pages.csrf()}
    )
    assert response.status_code == 401
    assert response.template.name == "login.html"
    assert response.context["error"] == "refused"
    assert "wrong password" in response.text
    # the user name is kept, the password is not
    assert 'name="username" value="sam"' in response.text
    assert "wrong" not in response.text.split('name="password"')[1].split(">")[0]


def test_the_eleventh_sign_in_after_ten_failures_is_locked_even_with_the_right_password(
    database: Database, pages: PageClient
) -> None:
    pages.login("sam", ["sales_manager"])
    pages.cookies.clear()
    for _ in range(10):
        refused = pages.post(
            "/login", data={"username": "sam", "password": "wrong", "csrf_token": pages.csrf()}
        )
        assert refused.status_code == 401
    locked = pages.post(
        "/login",
        data={"username": "sam", "password": PASSWORD, "csrf_token": pages.csrf()},
        follow_redirects=False,
    )
    assert locked.status_code == 429 and locked.context["error"] == "locked"
    assert int(locked.headers["Retry-After"]) > 0


def test_login_goes_to_the_page_asked_for_and_only_on_this_site(
    database: Database, pages: PageClient
) -> None:
    from engine import clock
    from engine.users import add_user

    with database.transaction() as session:
        add_user(session, "sam", roles=["sales"], password="pw", now=clock.utcnow())
    for target, expected in [("/inbox", "/inbox"), ("https://evil.example/", "/")]:
        pages.cookies.clear()
        response = pages.post(
            "/login",
            data={"username": "sam", "password": "pw", "csrf_token": pages.csrf(), "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


def test_customer_list_filters_by_tier_and_search(workspace: Database, pages: PageClient) -> None:
    upsert(workspace, "C001", HEALTHY)
    upsert(workspace, "C002", RISKY)
    pages.login("rita", ["legal"])
    response = pages.get("/customers")
    assert response.template.name == "customers.html"
    context = response.context
    assert [c.ref for c in context["customers"]] == ["C001", "C002"]
    assert "high" in context["tiers"]
    assert context["next_cursor"] is None
    high = pages.get("/customers", params={"tier": "high"}).context
    assert [c.ref for c in high["customers"]] == ["C002"]
    found = pages.get("/customers", params={"search": "bearings"})
    assert [c.ref for c in found.context["customers"]] == ["C001"]
    assert "Hangzhou Bearings Co." in found.text


def test_an_htmx_request_gets_only_the_results_block(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C001", HEALTHY)
    pages.login("rita", ["legal"])
    response = pages.get("/customers", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<table" in response.text and "C001" in response.text


def test_customer_page_explains_the_assessment(workspace: Database, pages: PageClient) -> None:
    upsert(workspace, "C002", RISKY, terms=TERMS)
    pages.login("rita", ["legal"])
    response = pages.get("/customers/C002")
    assert response.template.name == "customer.html"
    customer = response.context["customer"]
    assert customer.ref == "C002"
    assert customer.assessment.tier == "high"
    assert len(customer.open_cases) == 1
    fired = customer.assessment.result["fired"]
    assert fired and fired[0]["label"] in response.text
    assert "1,000,000 CNY" in response.text


def test_unknown_customer_page_is_404(workspace: Database, pages: PageClient) -> None:
    pages.login("rita", ["legal"])
    response = pages.get("/customers/NOPE")
    assert response.status_code == 404
    assert response.template.name == "error.html"
    assert "NOPE" in response.context["detail"]


def test_inbox_shows_cases_for_my_roles(workspace: Database, pages: PageClient) -> None:
    case_id = upsert(workspace, "C002", RISKY).cases_opened[0]
    pages.login("sam", ["sales_manager"])
    response = pages.get("/inbox")
    assert response.template.name == "inbox.html"
    cases = response.context["cases"]
    assert [c.id for c in cases] == [case_id]
    assert cases[0].due_at is not None and cases[0].escalation_level == 0
    assert f"/cases/{case_id}" in response.text


def test_inbox_is_empty_for_other_roles(workspace: Database, pages: PageClient) -> None:
    upsert(workspace, "C002", RISKY)
    pages.login("lee", ["legal"])
    assert pages.get("/inbox").context["cases"] == ()


def test_case_page_action_moves_the_case(workspace: Database, pages: PageClient) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    pages.login("sam", ["sales_manager"])
    page = pages.get(f"/cases/{case_id}")
    assert page.template.name == "case.html"
    case = page.context["case"]
    assert set(case.available_actions) == {"propose_terms", "no_change"}
    assert f'action="/cases/{case_id}/actions/no_change"' in page.text
    response = pages.post(
        f"/cases/{case_id}/actions/propose_terms",
        data={
            "csrf_token": page.context["csrf_token"],
            "comment": "halve the line",
            "expected_version": str(case.row_version),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{case_id}"
    after = pages.get(f"/cases/{case_id}").context["case"]
    assert after.step == "finance_approval"
    assert after.history[-1].comment == "halve the line"


def test_case_action_refusals_are_shown_on_the_case_page(
    workspace: Database, pages: PageClient
) -> None:
    case_id = upsert(workspace, "C002", RISKY).cases_opened[0]
    pages.login("lee", ["legal"])
    token = pages.get(f"/cases/{case_id}").context["csrf_token"]
    no_csrf = pages.post(f"/cases/{case_id}/actions/propose_terms", data={})
    assert no_csrf.status_code == 403
    assert no_csrf.template.name == "error.html"
    wrong_role = pages.post(f"/cases/{case_id}/actions/propose_terms", data={"csrf_token": token})
    assert wrong_role.status_code == 403
    assert wrong_role.template.name == "case.html"
    assert "role 'sales_manager'" in wrong_role.context["error"]["detail"]
    assert 'id="case-error"' in wrong_role.text
    unknown = pages.post("/cases/999/actions/propose_terms", data={"csrf_token": token})
    assert unknown.status_code == 404 and unknown.template.name == "error.html"


def test_logout_ends_the_session(database: Database, pages: PageClient) -> None:
    pages.login("rita", ["legal"])
    token = pages.get("/customers").context["csrf_token"]
    response = pages.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    assert pages.get("/customers", follow_redirects=False).status_code == 303
