"""The working calendar pages in a real browser (headless Chromium) against the live server.

An admin signs in, follows the administration pages to the working calendars, opens mainland
China's and reads 2026 month by month: National Day's week off, the Saturday worked instead, then
the same page in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine.db import Database
from tests.web.conftest import PASSWORD, ApiClient

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]


def test_an_admin_reads_the_china_calendar_month_by_month_in_both_languages(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    api.add_user("ada", ["admin"])
    page.goto("/login")
    page.get_by_label("User name").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))  # the dashboard

    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="Working calendars").click()
    expect(page).to_have_url(re.compile(r"/calendars$"))
    row = page.locator("tbody tr", has=page.get_by_role("link", name="Mainland China working days"))
    expect(row).to_contain_text("default")
    page.get_by_role("link", name="Mainland China working days").click()
    expect(page).to_have_url(re.compile(r"/calendars/cn$"))
    page.goto("/calendars/cn?year=2026")

    expect(page.get_by_role("heading", level=1)).to_have_text("Mainland China working days · 2026")
    october = page.get_by_role("table", name="October 2026")
    expect(october.locator("td.day-holiday")).to_have_count(7)
    made_up = october.locator("td[data-date='2026-10-10']")
    expect(made_up).to_have_class(re.compile(r"day-workday"))
    expect(made_up).to_have_attribute("title", "Working day for National Day")
    expect(page.locator("table.calendar-month")).to_have_count(12)
    expect(page.locator("table.calendar-days")).to_contain_text("Spring Festival")
    screenshot(page, "calendar-cn-2026")

    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("中国大陆工作日 · 2026")
    expect(page.get_by_role("table", name="十月 2026").locator("td.day-holiday")).to_have_count(7)
    expect(page.locator("table.calendar-days")).to_contain_text("国庆节调休上班")
    expect(page.get_by_role("heading", level=2)).to_have_text("假日与调休上班日")
    screenshot(page, "calendar-cn-2026-zh")
