"""The customer list in a real browser, on each backend (issue 12, "Customers: search, filters,
sorting, keyset pagination with a total, saved views, export"): a credit analyst narrows the list
to the high tier (htmx, the address follows), sorts it by name from the header, pages forward and
back, saves the view, opens it again from the list of saved views, and downloads the CSV. The
page fits a 375 px wide screen. Once in Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine.db import Database
from tests.e2e.test_start_review_browser import _sign_in
from tests.web.conftest import HEALTHY, RISKY, TERMS, ApiClient, upsert

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]


def test_an_analyst_filters_sorts_pages_saves_and_exports(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    for i in range(51):
        upsert(workspace, f"H{i:02}", {**HEALTHY, "name": f"Healthy {50 - i:02}"}, terms=TERMS)
    upsert(workspace, "R-B", {**RISKY, "name": "Bravo Risk"}, terms=TERMS)
    upsert(workspace, "R-A", {**RISKY, "name": "Alpha Risk"}, terms=TERMS)
    api.add_user("lena", ["legal"])
    _sign_in(page, "lena")

    page.goto("/customers")
    page.wait_for_load_state()  # htmx binds the filters once the page has loaded
    expect(page.locator("p.total")).to_have_text("53 customers")
    rows = page.locator("table.customer-list tbody tr")
    expect(rows).to_have_count(50)
    page.get_by_role("link", name="Next page →").click()
    expect(rows).to_have_count(3)
    page.get_by_role("link", name="← Previous page").click()
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("H00")

    page.get_by_label("Tier").select_option("high")
    expect(page).to_have_url(re.compile(r"/customers\?.*tier=high"))
    expect(page.locator("p.total")).to_have_text("2 customers")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("R-B")  # creation order first

    name_header = page.get_by_role("columnheader", name="Name")
    name_header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(page.get_by_role("columnheader", name="Name")).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(rows.first).to_contain_text("Alpha Risk")

    page.get_by_label("Save this view as").fill("High risk by name")
    page.get_by_role("button", name="Save view").click()
    saved = page.get_by_role("navigation", name="My saved views")
    expect(saved.get_by_role("link", name="High risk by name")).to_be_visible()

    page.goto("/customers")
    expect(page.locator("p.total")).to_have_text("53 customers")
    page.get_by_role("link", name="High risk by name").click()
    expect(page).to_have_url(re.compile(r"tier=high.*sort=name"))
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Alpha Risk")

    with page.expect_download() as caught:
        page.get_by_role("link", name="Export CSV").click()
    download = caught.value
    assert download.suggested_filename == "customers.csv"
    lines = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines] == ["ref", "R-A", "R-B"]

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 375, f"the page is {overflow} px wide on a 375 px screen"
    screenshot(page, "customer-list-375")


def test_the_customer_list_in_chinese(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    upsert(workspace, "R-A", {**RISKY, "name": "Alpha Risk"}, terms=TERMS)
    upsert(workspace, "H-A", HEALTHY, terms=TERMS)
    api.add_user("lena", ["legal"])
    _sign_in(page, "lena", chinese=True)

    page.goto("/customers")
    page.wait_for_load_state()
    expect(page.locator("p.total")).to_have_text("2 个客户")
    page.get_by_label("活动预警").select_option("critical")
    expect(page).to_have_url(re.compile(r"alert=critical"))
    expect(page.locator("p.total")).to_have_text("1 个客户")
    expect(page.locator("table.customer-list tbody tr").first).to_contain_text("R-A")
    screenshot(page, "customer-list-zh")
