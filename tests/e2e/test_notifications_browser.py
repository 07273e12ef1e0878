"""The bell in a real browser (headless Chromium) against the live server, on each backend: a
critical alert appears in the bell's count, the keyboard reaches the bell, the list marks it read
in place (htmx) and the count drops without a reload; "mark all read" empties it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine import clock
from engine.db import Database
from engine.notifications import notify
from tests.web.conftest import PASSWORD, RISKY, TERMS, ApiClient, upsert

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]


def test_a_notification_appears_in_the_bell_and_marking_it_read_drops_the_count(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    # a department head hears of the alert; the high-risk review it opens is the sales managers'
    api.add_user("sally", ["department_head"])
    upsert(workspace, "C-200", RISKY, terms=TERMS)  # court enforcement: a critical alert
    page.goto("/customers")
    page.get_by_label("User name").fill("sally")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/customers$"))

    bell = page.locator("#bell")
    expect(bell.locator(".count")).to_have_text("1")
    expect(page.get_by_role("link", name="Notifications: 1 unread")).to_be_visible()
    screenshot(page, "bell")

    # the keyboard reaches the bell: focus it and follow it with Enter
    bell.focus()
    expect(bell).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/notifications$"))
    unread = page.locator("li.notification.unread")
    expect(unread).to_have_count(1)
    expect(unread.first).to_contain_text(
        "Critical alert on Shaky Trading Ltd.: Court enforcement: 2 record(s)"
    )
    expect(unread.first.get_by_role("link")).to_have_attribute("href", "/customers/C-200")
    screenshot(page, "notifications")

    # marked read in place: the item moves to "Earlier", the bell drops to 0 without a reload
    page.get_by_role("button", name="Mark read").click()
    expect(unread).to_have_count(0)
    expect(page.get_by_text("No unread notifications.")).to_be_visible()
    expect(page.locator("li.notification")).to_have_count(1)
    expect(bell.locator(".count")).to_have_text("0")
    screenshot(page, "notifications-read")

    # two more, then "Mark all read" empties the unread list
    with workspace.transaction() as session:
        for name in ("Acme", "Beta"):
            notify(
                session,
                recipients="sally",
                kind="terms_changed",
                params={"customer": name},
                now=clock.utcnow(),
            )
    page.reload()
    expect(bell.locator(".count")).to_have_text("2")
    expect(unread).to_have_count(2)
    page.get_by_role("button", name="Mark all read").click()
    expect(unread).to_have_count(0)
    expect(bell.locator(".count")).to_have_text("0")
    expect(page.locator("li.notification")).to_have_count(3)
