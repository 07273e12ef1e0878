"""The alerts page in a real browser, on each backend (issue 12, "Alerts page: list, filter,
acknowledge, link to the customer"): a sales manager opens it from the navigation, narrows it to
the critical alerts (htmx, the address follows), acknowledges one in place with a comment, sees
it resolved once the customer's data no longer fires its rule, and follows the link to the
customer. Once in Chinese."""

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


def test_a_sales_manager_filters_acknowledges_and_sees_an_alert_resolved(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    upsert(workspace, "C-RISKY", RISKY, terms=TERMS)
    upsert(workspace, "C-OK", HEALTHY, terms=TERMS)
    api.add_user("mia", ["sales_manager"])
    _sign_in(page, "mia")

    page.get_by_role("navigation").get_by_role("link", name="Alerts").click()
    expect(page).to_have_url(re.compile(r"/alerts$"))
    page.wait_for_load_state()  # htmx binds the filters once the page has loaded
    rows = page.locator("table.alerts-table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#alert-counts")).to_contain_text("critical: 1")

    page.get_by_label("Severity").select_option("critical")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/alerts\?.*severity=critical"))
    court = rows.first
    expect(court).to_contain_text("Court enforcement")
    expect(court).to_have_attribute("data-status", "open")

    court.get_by_label("What is done about it").fill("Legal is negotiating a settlement")
    court.get_by_role("button", name="Acknowledge").click()
    expect(court).to_have_attribute("data-status", "acknowledged")
    expect(court.locator(".ack")).to_contain_text("mia")
    expect(court.locator(".ack")).to_contain_text("Legal is negotiating a settlement")
    screenshot(page, "alerts-acknowledged")

    # the data no longer fires the rules: both alerts are resolved, listed under "resolved"
    upsert(workspace, "C-RISKY", HEALTHY, terms=TERMS)
    page.reload()
    expect(page.locator("table.alerts-table tbody tr")).to_have_count(0)
    expect(page.locator("p.empty")).to_be_visible()
    page.get_by_label("Severity").select_option("")
    page.get_by_label("Status").select_option("resolved")
    resolved = page.locator("table.alerts-table tbody tr")
    expect(resolved).to_have_count(2)
    expect(resolved.first).to_have_attribute("data-status", "resolved")

    resolved.first.get_by_role("link", name=re.compile(".+")).first.click()
    expect(page).to_have_url(re.compile(r"/customers/C-RISKY$"))


def test_the_alerts_page_in_chinese(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    upsert(workspace, "C-RISKY", RISKY, terms=TERMS)
    api.add_user("mia", ["sales_manager"])
    _sign_in(page, "mia", chinese=True)

    page.goto("/alerts")
    expect(page.get_by_role("heading", level=1)).to_have_text("预警")
    row = page.locator("table.alerts-table tbody tr").filter(has=page.locator(".sev-critical"))
    row.get_by_label("处理情况").fill("法务正在协商和解")
    row.get_by_role("button", name="确认").click()
    expect(row).to_have_attribute("data-status", "acknowledged")
    expect(row.locator(".ack")).to_contain_text("法务正在协商和解")
    screenshot(page, "alerts-zh")
