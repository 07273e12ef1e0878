"""Order credit checks seen in a real browser (headless Chromium), on each backend: an order
system checks two orders over the API; a credit manager opens the customer page and finds the
open order and the held one with its reasons, in English and then in Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine.db import Database
from tests.web.conftest import HEALTHY, PASSWORD, ApiClient, upsert

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]


def test_a_credit_manager_sees_the_checked_orders_on_the_customer_page(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    upsert(workspace, "C-100", HEALTHY, terms={"credit_limit": 1_000_000})
    erp = api.as_user("erp", ["integration"])
    api.add_user("fiona", ["finance_head"])
    for order_ref, amount, status in (("SO-1", 200_000, 201), ("SO-2", 800_000, 201)):
        checked = erp.post(
            "/api/v1/customers/C-100/credit-checks",
            json={"order_ref": order_ref, "amount": amount, "currency": "CNY"},
        )
        assert checked.status_code == status, checked.text

    page.goto("/customers/C-100")
    page.get_by_label("User name").fill("fiona")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/customers/C-100$"))
    orders = page.locator("#orders")
    expect(orders.get_by_role("heading", name="Orders")).to_be_visible()
    rows = orders.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("SO-2")
    expect(rows.nth(0)).to_contain_text("hold")
    expect(rows.nth(0)).to_contain_text("The order takes the customer over its credit limit")
    expect(rows.nth(1)).to_contain_text("SO-1")
    expect(rows.nth(1)).to_contain_text("pass")
    expect(orders).to_contain_text("200,000 CNY")
    screenshot(page, "customer-orders")

    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(orders.get_by_role("heading", name="订单")).to_be_visible()
    expect(rows.nth(0)).to_contain_text("该订单使客户超出信用额度")
    expect(rows.nth(0)).to_contain_text("暂停")
    expect(rows.nth(1)).to_contain_text("通过")
    screenshot(page, "customer-orders-zh")
