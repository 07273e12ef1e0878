"""A form version in a real browser (headless Chromium) against the live server, on each backend.

An admin removes a field that customers hold values of and adds another, saves the draft, sees
the impact (the field, how many customers, which ones), picks the rename to the new field,
publishes, and the customer page shows the value under the new field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine import specs
from engine.db import Database
from engine.models import SpecKind
from tests.e2e.test_start_review_browser import _sign_in
from tests.web.conftest import HEALTHY, PASSWORD, ApiClient, upsert

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]
HOMEPAGE = "  - {id: homepage, type: url, label: {en: Homepage, zh: 主页}}\n"


def test_an_admin_renames_a_field_with_stored_values_and_the_customer_keeps_it(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    api.add_user("ada", ["admin"])
    upsert(workspace, "C-1", {**HEALTHY, "website": "https://bearings.example.cn"})
    with workspace.transaction() as session:
        published = specs.find_row(session, SpecKind.FORM, "customer").source
    kept = [line for line in published.splitlines(keepends=True) if "id: website," not in line]
    page.goto("/forms/customer/edit")
    page.get_by_label("User name").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    source = page.get_by_label("Form source (YAML)")
    expect(source).to_have_value(published)
    source.fill("".join(kept) + HOMEPAGE)
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/forms/customer/edit\?saved=1$"))

    row = page.locator("#impact tr[data-field=website]")
    expect(row).to_contain_text("removed")
    expect(row.locator(".count")).to_have_text("1")
    expect(row.get_by_role("link", name="C-1")).to_be_visible()
    expect(page.locator("#impact")).to_contain_text("Added fields (free): homepage.")
    screenshot(page, "form-version-impact")

    choice = page.locator(".mapping-row[data-field=website]")
    choice.get_by_label("Rename to").check()
    choice.get_by_label("Rename website to").select_option("homepage")
    page.get_by_label("Comment (why this change)").fill("website is now homepage")
    page.get_by_role("button", name="Publish").click()
    expect(page).to_have_url(re.compile(r"/forms/customer/edit\?published=2$"))
    expect(page.get_by_role("status")).to_contain_text("Version v2 is published")

    page.goto("/customers/C-1")
    # the value under the new field, with the stamp it had (moved, not re-stamped)
    value = page.locator("dd[data-field=homepage]")
    expect(value).to_contain_text("https://bearings.example.cn")
    expect(value).to_contain_text("API")
    expect(page.locator("dd[data-field=website]")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Homepage")
    screenshot(page, "form-version-customer")


def test_an_admin_drops_a_field_with_stored_values_in_chinese(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    api.add_user("ada", ["admin"])
    upsert(workspace, "C-1", {**HEALTHY, "website": "https://bearings.example.cn"})
    with workspace.transaction() as session:
        published = specs.find_row(session, SpecKind.FORM, "customer").source
    kept = [line for line in published.splitlines(keepends=True) if "id: website," not in line]
    _sign_in(page, "ada", chinese=True)
    page.goto("/forms/customer/edit")
    page.get_by_label("表单源文本（YAML）").fill("".join(kept))
    page.get_by_role("button", name="保存草稿").click()
    expect(page).to_have_url(re.compile(r"/forms/customer/edit\?saved=1$"))

    row = page.locator("#impact tr[data-field=website]")
    expect(row).to_contain_text("删除")
    expect(row.locator(".count")).to_have_text("1")
    choice = page.locator(".mapping-row[data-field=website]")
    # nothing added to rename to: dropping is the choice offered
    expect(choice.get_by_label("重命名为", exact=True)).to_be_disabled()
    expect(choice.get_by_label("丢弃")).to_be_checked()
    screenshot(page, "form-version-impact-zh")
    page.get_by_label("说明（为何修改）").fill("不再记录网站")
    page.get_by_role("button", name="发布").click()
    expect(page).to_have_url(re.compile(r"/forms/customer/edit\?published=2$"))
    expect(page.get_by_role("status")).to_contain_text("版本 v2 已发布")

    page.goto("/customers/C-1")
    expect(page.locator("dd[data-field=website]")).to_have_count(0)
    with workspace.transaction() as session:
        assert specs.customer_form(session).value.field("website") is None
