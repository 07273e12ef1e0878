"""The administration pages in a real browser (headless Chromium) against the live server.

An admin signs in, adds a user with a grant in one department (the generated password shown
once), creates a scoped API token for them (its secret shown once, gone on reload), revokes it,
reads the audit log filtered to their own actions and verifies the chain.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine import clock
from engine.db import Database
from engine.tokens import user_for_token
from engine.users import get_user
from tests.web.conftest import PASSWORD, ApiClient

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]


def test_admin_adds_a_user_creates_and_revokes_a_token_and_verifies_the_audit_trail(
    database: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    api.add_user("ada", ["admin"])
    page.goto("/login")
    page.get_by_label("User name").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))  # the dashboard

    # the header leads to the administration pages
    page.get_by_role("link", name="Admin", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    page.get_by_label("User name").fill("lee")
    page.get_by_label("Display name").fill("Lee Wen")
    page.get_by_label("Role").fill("sales_manager")
    page.get_by_label("Department").fill("north")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("status")).to_contain_text("User lee was added.")
    password = page.locator(".secret-value").inner_text()
    assert len(password) >= 10
    row = page.locator("tbody tr", has=page.get_by_role("link", name="lee", exact=True))
    expect(row).to_contain_text("sales_manager · north")
    screenshot(page, "admin-users")
    with database.transaction() as session:
        lee = get_user(session, "lee")
    assert lee is not None and lee.can("customers:write", "north")
    assert not lee.can("customers:write", "south")

    # a token for lee, limited to reading customers, for 30 days
    page.get_by_role("link", name="API tokens").click()
    expect(page).to_have_url(re.compile(r"/admin/tokens$"))
    page.locator("select[name=owner]").select_option("lee")
    page.get_by_label("Token name").fill("erp")
    page.locator("select[name=days]").select_option("30")
    page.locator("input[name=scopes][value='customers:read']").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("status")).to_contain_text("Its secret, shown only this once")
    secret = page.locator(".secret-value").inner_text()
    assert secret.startswith("rd_")
    screenshot(page, "admin-token-created")
    with database.transaction() as session:
        caller = user_for_token(session, secret, now=clock.utcnow())
    assert caller is not None and caller.name == "lee"
    assert caller.can("customers:read", "north") and not caller.can("customers:write", "north")

    # coming back to the page shows the token but never its secret again
    page.goto("/admin/tokens")
    expect(page.locator(".secret-value")).to_have_count(0)
    assert secret not in page.content()
    token_row = page.locator("table.tokens tbody tr", has_text="erp")
    expect(token_row).to_contain_text("customers:read")
    expect(token_row).to_contain_text("live")
    token_row.get_by_role("button", name="Revoke").click()
    expect(page).to_have_url(re.compile(r"/admin/tokens$"))
    expect(token_row).to_contain_text("revoked")
    with database.transaction() as session:
        assert user_for_token(session, secret, now=clock.utcnow()) is None

    # the audit log, filtered to what ada did, shows each step
    page.get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(re.compile(r"/admin/audit$"))
    page.get_by_label("Actor").fill("ada")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"actor=ada"))
    rows = page.locator("#results tbody tr")
    expect(rows.first).to_contain_text("token.revoked")
    for action in ("token.created", "role.granted", "user.created", "user.login"):
        expect(rows.filter(has_text=action).first).to_be_visible()
    expect(rows.filter(has_text="api")).to_have_count(0)
    screenshot(page, "admin-audit")

    page.get_by_role("button", name="Verify the chain").click()
    expect(page.locator(".verify")).to_contain_text(re.compile(r"Chain intact: \d+ rows verified"))
    screenshot(page, "admin-audit-verified")
