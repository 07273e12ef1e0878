"""The dashboard in a real browser (issue 12): a user signs in and lands on it, sees its charts
as images and opens their tables from the keyboard, follows a link to a customer, reads it in
Chinese, and on a 375 px wide screen nothing scrolls sideways."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine.db import Database
from tests.web.conftest import HEALTHY, PASSWORD, RISKY, TERMS, ApiClient, upsert

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]
DASHBOARD = re.compile(r"://[^/]+/$")
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _seed(workspace: Database, api: ApiClient) -> None:
    """A sales manager; a low-risk customer, a high-risk one (a review case, a critical alert)
    and one that moved from low to high this month."""
    api.add_user("sally", ["sales_manager"])
    upsert(workspace, "C-100", HEALTHY, terms=TERMS)
    upsert(workspace, "C-200", RISKY, terms=TERMS)
    upsert(workspace, "C-300", HEALTHY, terms=TERMS)
    upsert(workspace, "C-300", {**RISKY, "name": "Falling Star Ltd."})


def _sign_in(page: Page) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    page.get_by_label("User name").fill("sally")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(DASHBOARD)


def test_a_user_lands_on_the_dashboard_and_reads_its_charts_and_tables(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    _seed(workspace, api)
    _sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link").first).to_have_text("Dashboard")
    for name in (
        "Customers per tier",
        "Exposure per tier (CNY)",
        "Tier changes per month, last 12 months",
        "Open cases by step",
    ):
        expect(page.get_by_role("img", name=name)).to_be_visible()
    expect(page.locator("#migration .legend")).to_have_text("low → high")

    # the tier chart's table opens from the keyboard, with the same numbers
    tiers = page.locator("#tiers")
    table = tiers.get_by_role("table")
    expect(table).to_be_hidden()
    tiers.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(table).to_be_visible()
    high = table.get_by_role("row").filter(has=page.get_by_role("link", name="high"))
    expect(high.get_by_role("cell")).to_have_text(["2", "1,800,000", "0"])
    cases = page.locator("#cases")
    cases.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(cases.get_by_role("row").nth(1)).to_contain_text("Sales review")
    expect(page.locator("#critical")).to_contain_text("Court enforcement: 2 record(s)")
    screenshot(page, "dashboard")

    # a link in the riskiest list leads to the customer
    page.locator("#riskiest").get_by_role("link", name="Shaky Trading Ltd.").click()
    expect(page).to_have_url(re.compile(r"/customers/C-200$"))
    page.get_by_role("link", name="riskdesk").click()
    expect(page).to_have_url(DASHBOARD)


def test_the_dashboard_in_chinese_and_on_a_narrow_screen(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    _seed(workspace, api)
    _sign_in(page)
    page.get_by_role("button", name="中文").click()
    expect(page).to_have_url(DASHBOARD)
    expect(page.get_by_role("heading", level=1)).to_have_text("仪表盘")
    expect(page.get_by_role("img", name="各等级客户数")).to_be_visible()
    expect(page.locator("#tiers summary")).to_have_text("以表格显示")
    expect(page.get_by_role("heading", name="风险最高的 10 个客户")).to_be_visible()

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    expect(page.get_by_role("img", name="各等级客户数")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    # with every table open, still nothing wider than the screen
    for summary in page.locator("summary").all():
        summary.click()
    expect(page.locator("#migration").get_by_role("table")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    box = page.get_by_role("img", name="各等级客户数").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 375
    screenshot(page, "dashboard-375-zh")
