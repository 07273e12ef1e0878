"""A group built by clicking, end to end in a real browser, on each backend (issue 11, the form
builder's groups): an admin adds a `contacts` list to the customer form in the form builder, its
two sub-fields (name, phone), at most 5, previewed as rows, and publishes the form; a sales
manager then adds a contact on a customer's edit page and saves it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from engine import crypto
from engine.customers import find_customer
from engine.db import Database
from tests.e2e.test_start_review_browser import _sign_in
from tests.web.conftest import HEALTHY, TERMS, ApiClient, upsert

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]


def _contacts(database: Database) -> Any:
    with database.transaction() as session:
        return crypto.customer_data(session, find_customer(session, "C-EAST")).get("contacts")


def _add_sub_field(page: Page, field_id: str, kind: str, english: str, chinese: str) -> None:
    editor: Locator = page.locator("#sub-field-editor")
    editor.get_by_label("Field id").fill(field_id)
    editor.get_by_label("Type").select_option(kind)
    editor.get_by_label("Label (English)").fill(english)
    editor.get_by_label("Label (Chinese)").fill(chinese)
    if field_id == "name":
        editor.get_by_label("Required").check()
    editor.get_by_role("button", name="Add sub-field").click()
    expect(page.locator("#builder-saved")).to_be_visible()
    expect(page.locator(f'#sub-field-list li[data-field="contacts.{field_id}"]')).to_be_visible()


def test_an_admin_builds_a_list_of_contacts_that_a_customer_edit_page_fills(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    upsert(workspace, "C-EAST", HEALTHY, terms=TERMS)
    api.add_user("ada", ["admin"])
    api.add_user("mia", ["sales_manager"])
    _sign_in(page, "ada")

    # the group: a list of at most 5, saved as the draft (it needs a sub-field before it loads)
    page.goto("/forms/customer/builder")
    page.get_by_label("Field id").fill("contacts")
    page.get_by_label("Type").select_option("group")
    page.get_by_label("Label (English)").fill("Contacts")
    page.get_by_label("Label (Chinese)").fill("联系人")
    page.get_by_label("A list (several of them)").check()
    page.get_by_label("At most (items)").fill("5")
    page.get_by_role("button", name="Add field").click()
    expect(page.locator("#builder-saved")).to_be_visible()
    expect(page.locator("#no-sub-fields")).to_be_visible()
    expect(
        page.locator('#field-editor-card .field-problems[data-path="contacts"]')
    ).to_contain_text("sub-field")

    # its sub-fields, each added from the group's editor; the preview shows them as a row
    _add_sub_field(page, "name", "text", "Name", "姓名")
    page.locator("#add-sub-field").click()
    page.locator("#sub-field-editor").get_by_label("Field id").fill("phone")
    page.locator("#sub-field-editor").get_by_label("Type").select_option("phone")
    expect(page.locator('#preview [data-field="contacts"]')).to_contain_text("Phone")
    _add_sub_field(page, "phone", "phone", "Phone", "电话")
    expect(page.locator("#builder-diagnostics")).to_have_count(0)
    preview = page.locator('#preview [data-field="contacts"]')
    expect(preview.locator('[id="edit-contacts.0.name"]')).to_be_visible()
    expect(preview.get_by_role("button", name="Add to Contacts")).to_be_visible()
    screenshot(page, "form-builder-group")

    # published from the form's draft page: adding a field needs no mapping
    page.get_by_role("link", name="Review the draft and publish").click()
    page.get_by_label("Comment (why this change)").fill("a list of contacts per customer")
    page.get_by_role("button", name="Publish").click()
    expect(page).to_have_url(re.compile(r"/forms/customer/edit\?published=2$"))
    page.get_by_role("button", name="Sign out").click()

    # a sales manager adds a contact on a customer's edit page
    _sign_in(page, "mia")
    page.goto("/customers/C-EAST")
    page.get_by_role("link", name="Edit data").click()
    page.get_by_role("button", name="Add to Contacts").click()
    page.locator('[id="edit-contacts.0.name"]').fill("Li Lei")
    page.locator('[id="edit-contacts.0.phone"]').fill("138 1234 5678")
    expect(page.locator("#edit-status")).to_have_text("No problem found.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(re.compile(r"/customers/C-EAST$"))
    expect(page.locator('[data-field="contacts"]')).to_contain_text("Li Lei")
    assert _contacts(workspace) == [{"name": "Li Lei", "phone": "+8613812345678"}]
    screenshot(page, "customer-with-contact")
