"""The pages in a real browser (headless Chromium) against the live server, on each backend.

A sales manager signs in through the form, filters the customer list to the high tier, reads a risky
customer's score, fired rules and terms, then takes its review case from the approval inbox with a
comment and sees it move on to finance. A wrong password is refused with a message, signing out
ends the session, and a form posted without its CSRF token is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine.cases import get_case
from engine.db import Database
from tests.web.conftest import HEALTHY, PASSWORD, RISKY, TERMS, ApiClient, upsert

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]


def _sign_in(page: Page, name: str, password: str = PASSWORD) -> None:
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _seed(workspace: Database, api: ApiClient) -> int:
    """Two customers (one low, one high with a review case) and a sales manager; the case id."""
    api.add_user("sally", ["sales_manager"])
    upsert(workspace, "C-100", HEALTHY, terms=TERMS)
    return upsert(workspace, "C-200", RISKY, terms=TERMS).cases_opened[0]


def test_sales_manager_reviews_a_high_risk_customer_and_moves_its_case(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    case_id = _seed(workspace, api)

    # signed out, "/" leads to the login form; signing in lands on the dashboard, whose nav
    # leads to the customer list
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    _sign_in(page, "sally")
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    page.get_by_role("navigation").get_by_role("link", name="Customers").click()
    expect(page).to_have_url(re.compile(r"/customers$"))
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)

    # filter by tier: only the risky customer is left
    page.get_by_label("Tier").select_option("high")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"tier=high"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Shaky Trading Ltd.")
    screenshot(page, "customers")

    # the customer page explains the score and shows the terms
    page.get_by_role("link", name="C-200").click()
    expect(page).to_have_url(re.compile(r"/customers/C-200$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Shaky Trading Ltd.")
    expect(page.locator(".score")).to_contain_text(re.compile(r"Score \d+ · tier high"))
    expect(page.get_by_role("cell", name="Overdue more than 90 days", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Court enforcement on record", exact=True)).to_be_visible()
    expect(page.get_by_text("1,000,000 CNY")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(rf"#{case_id} "))).to_be_visible()
    screenshot(page, "customer")

    # the approval inbox lists the case for the sales manager
    page.get_by_role("navigation").get_by_role("link", name="Inbox").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.locator("#results tbody[data-case]")).to_have_count(1)  # its rows, one case
    screenshot(page, "inbox")

    # open it, comment and act: the case moves on to finance
    page.get_by_role("link", name=f"#{case_id}").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    page.locator("#comment-propose_terms").fill("Halve the line, 30% prepayment.")
    screenshot(page, "case-open")
    page.get_by_role("button", name="Propose terms").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    expect(page.locator("#case-step")).to_have_attribute("data-step", "finance_approval")
    last = page.locator("#history tbody tr").last
    expect(last).to_contain_text("sally")
    expect(last).to_contain_text("Propose terms → Finance approval")
    expect(last.locator("blockquote")).to_have_text("Halve the line, 30% prepayment.")
    expect(page.get_by_role("button", name="Propose terms")).to_have_count(0)
    screenshot(page, "case")
    with workspace.transaction() as session:
        case = get_case(session, case_id, roles=["admin"])
    assert (case.step, case.assigned_role) == ("finance_approval", "finance_head")

    page.get_by_role("navigation").get_by_role("link", name="Inbox").click()
    expect(page.get_by_text("Nothing waits for you.")).to_be_visible()

    # signing out ends the session: the inbox asks for a login again
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/inbox")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Finbox$"))


def test_wrong_password_shows_an_error_and_keeps_the_visitor_out(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    _seed(workspace, api)
    page.goto("/customers")
    _sign_in(page, "sally", "not the password")
    expect(page.get_by_role("alert")).to_have_text("Unknown user name or wrong password.")
    expect(page).to_have_url(re.compile(r"/login$"))
    screenshot(page, "login-error")
    page.goto("/customers")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fcustomers$"))


def test_a_case_form_posted_without_its_csrf_token_is_refused(
    workspace: Database, api: ApiClient, page: Page
) -> None:
    case_id = _seed(workspace, api)
    page.goto(f"/cases/{case_id}")
    _sign_in(page, "sally")
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))

    # a forged form: the same post, without the hidden token
    page.locator("#action-propose_terms input[name=csrf_token]").evaluate("input => input.remove()")
    with page.expect_response(re.compile(rf"/cases/{case_id}/actions/")) as posted:
        page.get_by_role("button", name="Propose terms").click()
    assert posted.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Form expired")
    with workspace.transaction() as session:
        assert get_case(session, case_id, roles=["admin"]).step == "sales_review"


def test_switching_to_chinese_shows_the_customer_list_in_chinese(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    _seed(workspace, api)
    page.goto("/customers")
    _sign_in(page, "sally")
    expect(page).to_have_url(re.compile(r"/customers$"))
    expect(page.locator("#results thead th").first).to_have_text("Reference")

    page.get_by_role("button", name="中文").click()
    expect(page).to_have_url(re.compile(r"/customers$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("#results thead th")).to_have_text(
        ["编号", "名称", "部门", "评分", "等级", "信用额度", "暂停发货", "更新时间"]
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("客户")
    screenshot(page, "customers-zh")

    # remembered for the user: a new browser context signs in and gets Chinese again
    page.context.clear_cookies()
    page.goto("/customers")
    _sign_in(page, "sally")
    expect(page.get_by_role("heading", level=1)).to_have_text("客户")
