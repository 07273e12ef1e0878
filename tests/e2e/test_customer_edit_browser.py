"""Editing a customer in a real browser, on each backend (issue 11, "Pages"): a sales manager
opens the edit form from the customer page, types a value that does not read and sees the error
beside its field as they type (htmx; nothing stored yet), corrects it, saves, and the customer
page shows the new values, stamped "page", and the tier the new data earns. Once in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine.customers import find_customer
from engine.db import Database
from tests.e2e.test_start_review_browser import _sign_in
from tests.web.conftest import HEALTHY, TERMS, ApiClient, upsert

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]


def _overdue(workspace: Database) -> object:
    with workspace.transaction() as session:
        return find_customer(session, "C-EAST").data.get("max_overdue_days")


def test_a_sales_manager_edits_a_customer_with_errors_shown_as_they_type(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    upsert(workspace, "C-EAST", HEALTHY, terms=TERMS)
    api.add_user("mia", ["sales_manager"])
    _sign_in(page, "mia")

    page.goto("/customers/C-EAST")
    expect(page.locator("h1 .tier")).to_have_text("low")
    page.get_by_role("link", name="Edit data").click()
    expect(page).to_have_url(re.compile(r"/customers/C-EAST/edit$"))
    page.wait_for_load_state()  # htmx binds the live check once the page has loaded

    overdue = page.get_by_label("Worst current overdue (days)")
    overdue.fill("12,3")
    field = page.locator('[data-field="max_overdue_days"]')
    expect(field.locator(".field-error")).to_contain_text("ambiguous")
    expect(overdue).to_have_attribute("aria-invalid", "true")
    expect(overdue).to_be_focused()  # the live check keeps the caret where the user types
    screenshot(page, "customer-edit-error")
    assert _overdue(workspace) == 0  # the check stores nothing

    overdue.fill("120")
    page.get_by_label("Court enforcement records").fill("2")
    page.get_by_label("Outstanding balance").fill("1,200,000")
    expect(page.locator("#edit-status")).to_have_text("No problem found.")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/customers/C-EAST$"))
    expect(page.locator('[data-field="max_overdue_days"]')).to_contain_text("120")
    expect(page.locator('[data-field="max_overdue_days"] .freshness')).to_contain_text("page")
    expect(page.locator("h1 .tier")).to_have_text("high")
    screenshot(page, "customer-edited")


def test_editing_a_customer_in_chinese(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    upsert(workspace, "C-EAST", HEALTHY, terms=TERMS)
    api.add_user("mia", ["sales_manager"])
    _sign_in(page, "mia", chinese=True)

    page.goto("/customers/C-EAST")
    page.get_by_role("link", name="编辑资料").click()
    expect(page).to_have_url(re.compile(r"/customers/C-EAST/edit$"))
    page.wait_for_load_state()
    page.get_by_label("行业").select_option(label="建筑业")
    page.get_by_label("应收余额").fill("１，２００，０００")  # full-width, as typed with a CJK IME
    expect(page.locator("#edit-status")).to_have_text("未发现问题。")
    screenshot(page, "customer-edit-zh")
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(r"/customers/C-EAST$"))
    expect(page.locator('[data-field="industry"]')).to_contain_text("建筑业")
    expect(page.locator('[data-field="outstanding_balance"]')).to_contain_text("1,200,000")


def test_a_value_another_customer_holds_is_said_beside_its_field_as_one_types(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    from tests.engine.test_form_versions import draft, publish, source_of
    from tests.engine.test_unique_values import _unique

    upsert(workspace, "C-WEST", {**HEALTHY, "contact_email": "li@west.cn"}, terms=TERMS)
    upsert(workspace, "C-EAST", HEALTHY, terms=TERMS)
    draft(workspace, _unique(source_of(workspace), "contact_email"))
    publish(workspace, {})
    api.add_user("mia", ["sales_manager"])
    _sign_in(page, "mia")

    page.goto("/customers/C-EAST/edit")
    email = page.get_by_label("Contact e-mail")
    email.fill("Li@West.cn")  # the same address, however it is capitalised
    field = page.locator('[data-field="contact_email"]')
    expect(field.locator(".field-error")).to_have_text(
        "Contact e-mail: customer 'C-WEST' already has this value; it must be unique"
    )
    expect(email).to_have_attribute("aria-invalid", "true")
    screenshot(page, "customer-edit-taken")
    page.get_by_role("button", name="Save").click()
    expect(page.locator('[data-field="contact_email"] .field-error')).to_contain_text("C-WEST")
    with workspace.transaction() as session:
        assert "contact_email" not in find_customer(session, "C-EAST").data

    email = page.get_by_label("Contact e-mail")
    email.fill("li@east.cn")
    expect(page.locator('[data-field="contact_email"] .field-error')).to_have_count(0)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/customers/C-EAST$"))
    expect(page.locator('[data-field="contact_email"]')).to_contain_text("li@east.cn")
