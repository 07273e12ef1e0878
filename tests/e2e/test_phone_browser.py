"""The main pages on a phone and from the keyboard, on each backend (issue 12, "Everything
keyboard-usable, readable on a 375 px wide screen").

On a 375x812 touch screen none of the main pages scrolls sideways (a wide table scrolls inside its
own `.table-scroll` box) and every navigation link lies on the screen, ready to tap. On the alerts
page the Tab key walks the navigation and then the filter form in reading order, and whatever
has the focus shows an outline.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from engine.db import Database
from tests.e2e.test_roles_browser import _seed, shown_links
from tests.e2e.test_start_review_browser import _sign_in
from tests.web.conftest import ApiClient, LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

expect = pytest.importorskip("playwright.sync_api").expect

PHONE: ViewportSize = {"width": 375, "height": 812}
# the page is no wider than the screen (a pixel of rounding allowed)
NO_SIDEWAYS_SCROLL = (
    "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
)
# what has the focus, as the Tab walk compares it
# the elements sticking out on the right (not inside one that already does), for the message
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const out = [...document.querySelectorAll('body *')].filter(
    e => e.getBoundingClientRect().right > width + 1);
  return out.filter(e => !out.includes(e.parentElement)).map(
    e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
         (e.className && e.className.baseVal === undefined ? '.' + e.className : ''));
}"""
FOCUSED = """() => {
  const e = document.activeElement;
  const text = e.labels && e.labels.length ? e.labels[0].textContent : e.textContent;
  return (e.getAttribute('aria-label') || text || '').trim().split(/[\\s:]+/)[0];
}"""
FOCUS_OUTLINE = "getComputedStyle(document.activeElement).outlineStyle"


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh touch-screen context, 375 px wide, on the live server."""
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_main_pages_fit_a_phone_and_their_navigation_is_reachable(
    workspace: Database, api: ApiClient, phone: Page
) -> None:
    ref, case_id = _seed(workspace)
    api.add_user("ada", ["admin"])  # the longest navigation
    _sign_in(phone, "ada")
    for address in (
        "/",
        "/customers",
        f"/customers/{ref}",
        "/inbox",
        f"/cases/{case_id}",
        "/alerts",
        "/imports",
        "/notifications",
        "/account",
    ):
        response = phone.goto(address)
        assert response is not None and response.status == 200, address
        expect(phone.locator("main h1").first).to_be_visible()
        assert phone.evaluate(NO_SIDEWAYS_SCROLL), (address, phone.evaluate(STICKING_OUT))
        for link in phone.locator("header.top nav a").all():
            expect(link).to_be_visible()
            box = link.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    # a tap on a navigation link leads there
    phone.locator("header.top nav").get_by_role("link", name="Alerts").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Alerts")


def test_the_keyboard_walks_the_navigation_then_the_form_with_the_focus_visible(
    workspace: Database, api: ApiClient, page: Page
) -> None:
    _seed(workspace)
    api.add_user("mia", ["sales_manager"], department="east")
    _sign_in(page, "mia")
    page.goto("/alerts")
    page.wait_for_load_state()
    page.locator("body").focus()

    expected = [
        "riskdesk",
        *(link.name for link in shown_links("sales_manager")),
        "Notifications",
        "中文",
        "Sign",  # out
        "Status",
        "Severity",
        "Department",
        "Filter",
    ]
    walked: list[str] = []
    for _ in expected:
        page.keyboard.press("Tab")
        walked.append(page.evaluate(FOCUSED))
        assert page.evaluate(FOCUS_OUTLINE) != "none", walked[-1]
    assert walked == expected
