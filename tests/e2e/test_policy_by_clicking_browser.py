"""The policy changed by clicking, end to end in a real browser, on each backend (issue 11's
browser test): an admin adds a field in the form builder (its preview shows it as they type) and
publishes the form, then a rule reading the field in the rules editor and publishes it; a sales
manager fills the new field on a customer's edit form and the customer's tier changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine.db import Database
from tests.e2e.test_start_review_browser import _sign_in
from tests.web.conftest import HEALTHY, TERMS, ApiClient, upsert

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]

WEAK_BUREAU = """
rule weak_bureau "Weak credit bureau score"
  when bureau_score < 400
  then add 70
"""


def test_a_field_added_by_clicking_feeds_a_rule_that_moves_a_customers_tier(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    upsert(workspace, "C-EAST", HEALTHY, terms=TERMS)
    api.add_user("ada", ["admin"])
    api.add_user("mia", ["sales_manager"])
    _sign_in(page, "ada")

    # the form builder: a new field, previewed as it is typed, saved as the form's draft
    page.get_by_role("link", name="Forms").click()
    expect(page).to_have_url(re.compile(r"/forms/customer/builder$"))
    page.get_by_label("Field id").fill("bureau_score")
    page.get_by_label("Type").select_option("integer")
    page.get_by_label("Label (English)").fill("Bureau score")
    page.get_by_label("Label (Chinese)").fill("征信评分")
    page.get_by_label("Minimum", exact=True).fill("0")
    page.get_by_label("Maximum", exact=True).fill("900")
    expect(page.locator('#preview [data-field="bureau_score"]')).to_contain_text("Bureau score")
    screenshot(page, "form-builder")
    page.get_by_role("button", name="Add field").click()
    expect(page.locator("#builder-saved")).to_be_visible()
    expect(page.locator('#builder-fields li[data-field="bureau_score"]')).to_be_visible()

    # published from the form's draft page: adding a field needs no mapping
    page.get_by_role("link", name="Review the draft and publish").click()
    page.get_by_label("Comment (why this change)").fill("bureau scores from the credit agency")
    page.get_by_role("button", name="Publish").click()
    expect(page).to_have_url(re.compile(r"/forms/customer/edit\?published=2$"))

    # the rules editor: a rule on the new field, published
    page.goto("/rules/credit")
    source = page.get_by_label("Rules source")
    source.fill(source.input_value().replace("\ntiers\n", WEAK_BUREAU + "\ntiers\n"))
    expect(page.locator("#diagnostics")).to_contain_text("No problems found.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    page.get_by_label("Comment (why this change)").fill("weak bureau scores are high risk")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("published")
    page.get_by_role("button", name="Sign out").click()

    # a sales manager fills the field in on a customer: the tier follows
    _sign_in(page, "mia")
    page.goto("/customers/C-EAST")
    expect(page.locator("h1 .tier")).to_have_text("low")
    page.get_by_role("link", name="Edit data").click()
    page.get_by_label("Bureau score").fill("350")
    expect(page.locator("#edit-status")).to_have_text("No problem found.")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/customers/C-EAST$"))
    expect(page.locator("h1 .tier")).to_have_text("high")
    expect(page.locator("main")).to_contain_text("Weak credit bureau score")
    screenshot(page, "tier-from-new-field")
