"""NUL in a page form (which no JSON check sees) is refused, never a 500, on each backend."""

from __future__ import annotations

from engine.db import Database
from tests.web.conftest import RISKY, TERMS, PageClient, upsert
from tests.web.test_manual_case_pages import published_manual_review


def test_nul_in_the_login_form_is_refused_not_a_server_error(
    database: Database, pages: PageClient
) -> None:
    response = pages.post(
        "/login",
        data={"username": "ali\x00ce", "password": "x", "csrf_token": pages.csrf()},
        follow_redirects=False,
    )
    assert response.status_code in (401, 422), response.text


def test_nul_in_the_admin_user_form_is_refused_not_a_server_error(
    database: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    csrf = pages.get("/admin/users").context["csrf_token"]
    response = pages.post(
        "/admin/users",
        data={"name": "bo\x00b", "role": "sales", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 422, response.text


def test_nul_in_the_start_review_comment_is_refused_not_a_server_error(
    workspace: Database, pages: PageClient
) -> None:
    published_manual_review(workspace)
    pages.login("mia", ["sales_manager"])
    csrf = pages.get("/customers/C-EAST").context["csrf_token"]
    response = pages.post(
        "/customers/C-EAST/cases",
        data={"workflow": "manual_review", "comment": "a\x00b", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 422, response.text
    assert response.context["detail"] == "a comment may not hold control characters"
    assert pages.get("/customers/C-EAST").context["cases"] == ()


def test_nul_in_a_case_action_comment_is_refused_not_a_server_error(
    workspace: Database, pages: PageClient
) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    pages.login("sam", ["sales_manager"])
    page = pages.get(f"/cases/{case_id}")
    response = pages.post(
        f"/cases/{case_id}/actions/no_change",
        data={"comment": "a\x00b", "csrf_token": page.context["csrf_token"]},
        follow_redirects=False,
    )
    assert response.status_code == 422, response.text
    assert response.context["error"]["detail"] == "a comment may not hold control characters"
    assert pages.get(f"/cases/{case_id}").context["page"].case.status == "open"
