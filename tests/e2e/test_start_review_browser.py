"""Starting a review from the customer page in a real browser, on each backend: a sales manager
clicks "Start Credit review on request" on a customer and lands on the new case's page, which
says who started it and why; back on the customer page the open case is linked instead of the
button. Once in English, once in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine.db import Database
from tests.web.conftest import PASSWORD, ApiClient
from tests.web.test_manual_case_pages import published_manual_review

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]


def _sign_in(page: Page, name: str, *, chinese: bool = False) -> None:
    page.goto("/login")
    if chinese:
        page.get_by_role("button", name="中文").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.locator("input[name=username]").fill(name)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))  # the dashboard


def test_a_sales_manager_starts_a_review_and_lands_on_the_case_page(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    published_manual_review(workspace)
    api.add_user("mia", ["sales_manager"])
    _sign_in(page, "mia")

    page.goto("/customers/C-EAST")
    page.get_by_label("Reason (optional)").fill("news of a lawsuit")
    screenshot(page, "start-review")
    page.get_by_role("button", name="Start Credit review on request").click()

    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator("#case-step")).to_have_attribute("data-step", "look")
    triggers = page.locator('#triggers li[data-trigger="manual"]')
    expect(triggers).to_contain_text("started by hand by mia")
    expect(triggers.locator("blockquote")).to_have_text("news of a lawsuit")


def test_starting_a_review_in_chinese(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    published_manual_review(workspace)
    api.add_user("mia", ["sales_manager"])
    _sign_in(page, "mia", chinese=True)

    page.locator('a[href="/customers/C-EAST"]').first.click()
    page.get_by_label("原因（可选）").fill("有诉讼消息")
    page.get_by_role("button", name="启动临时信用复核").click()

    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    case_id = page.url.rsplit("/", 1)[1]
    expect(page.locator('#triggers li[data-trigger="manual"]')).to_contain_text("由 mia 手动发起")
    screenshot(page, "started-review-zh")

    # back on the customer page: the open case instead of the button, one click away
    page.goto("/customers/C-EAST")
    expect(page.get_by_role("button", name="启动临时信用复核")).to_have_count(0)
    page.get_by_role("link", name=f"临时信用复核已有进行中的案件 #{case_id}").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
