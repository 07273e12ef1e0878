"""Every role in a real browser, on each backend (issue 12, "every role logs in and opens every
page it may"): a user holding the role (in department east where the role works in one) signs
in, finds in the navigation exactly the links its permissions allow, follows each of them by
clicking, and opens a customer's page, a case's page and its notifications. Each page answers
200 with a heading and without a console error; a page the role may not open answers a 403 page
(a missing one a 404 page), never a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from engine.access import permissions_of_role
from engine.db import Database
from tests.e2e.test_start_review_browser import _sign_in
from tests.web.conftest import HEALTHY, RISKY, TERMS, ApiClient, upsert

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Error, Page, Response

expect = pytest.importorskip("playwright.sync_api").expect

# The example template's roles, then the documented roles it does not name (engine.access).
ROLES = (
    "sales",
    "sales_manager",
    "department_head",
    "finance_head",
    "legal",
    "cfo",
    "admin",
    "risk_analyst",
    "auditor",
)
# the roles that work in one department: their users are granted them in east only
IN_EAST = frozenset({"sales", "sales_manager", "department_head"})


@dataclass(frozen=True)
class NavLink:
    name: str
    href: str
    needs: tuple[str, ...] = ()  # any one of these permissions shows the link; none: everyone


# The navigation of web/templates/base.html, in its order.
NAV = (
    NavLink("Dashboard", "/"),
    NavLink("Customers", "/customers"),
    NavLink("Inbox", "/inbox"),
    NavLink("Alerts", "/alerts"),
    NavLink("Imports", "/imports", ("customers:write", "events:write")),
    NavLink("Rules", "/rules", ("specs:edit",)),
    NavLink("Forms", "/forms/customer/builder", ("specs:edit",)),
    NavLink("Workflows", "/workflows", ("specs:edit",)),
    NavLink("Admin", "/admin", ("users:admin", "audit:read")),
    NavLink("Account", "/account"),
)
# pages outside the navigation that need a permission: (address, any one of these permissions)
BEYOND_NAV = (
    ("/admin/users", ("users:admin",)),
    ("/admin/audit", ("audit:read",)),
    ("/workflows/high_risk_review", ("specs:edit",)),
)
MISSING = "/customers/NO-SUCH-CUSTOMER"
# Chromium's console line for a page answered with an error status (the 403s and 404s we ask for)
REFUSED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of 40[34]")


def shown_links(role: str) -> tuple[NavLink, ...]:
    """The links the navigation shows a holder of `role` (the example maps no role itself)."""
    held = permissions_of_role(role, {})
    return tuple(link for link in NAV if not link.needs or held & set(link.needs))


@dataclass
class ConsoleErrors:
    """The console errors and uncaught exceptions of a page, each with the address it was on."""

    page: Page
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", self._exception)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            source = message.location.get("url") or ""
            self.seen.append(f"{self.page.url}: {message.text} ({source})")

    def _exception(self, error: Error) -> None:
        self.seen.append(f"{self.page.url}: uncaught {error}")

    def take(self) -> list[str]:
        taken, self.seen[:] = list(self.seen), []
        return taken


def _seed(workspace: Database) -> tuple[str, int]:
    """Customers of east: a healthy one, and a risky one with its review case and alerts.
    Returns the risky customer's ref and the case's id."""
    upsert(workspace, "C-100", HEALTHY, terms=TERMS)
    upsert(workspace, "C-300", {**HEALTHY, "name": "Quiet Gears Ltd."}, terms=TERMS)
    opened = upsert(workspace, "C-200", RISKY, terms=TERMS)
    assert opened.cases_opened, "the risky customer opens a review case"
    return "C-200", opened.cases_opened[0]


def assert_good_page(page: Page, response: Response | None, errors: ConsoleErrors) -> None:
    """The page answered 200, has a heading, no server error and nothing in the console."""
    assert response is not None, page.url
    assert response.status == 200, f"{page.url} answered {response.status}"
    expect(page.locator("main h1").first).to_be_visible()
    assert "Internal Server Error" not in page.content(), page.url
    page.wait_for_load_state("load")
    assert errors.take() == [], page.url


@pytest.mark.parametrize("role", ROLES)
def test_every_role_opens_every_page_it_may(
    role: str, workspace: Database, api: ApiClient, page: Page
) -> None:
    ref, case_id = _seed(workspace)
    api.add_user(f"{role}_user", [role], department="east" if role in IN_EAST else None)
    errors = ConsoleErrors(page)
    _sign_in(page, f"{role}_user")

    nav = page.locator("header.top nav")
    links = shown_links(role)
    expect(nav.get_by_role("link")).to_have_text([link.name for link in links])
    for link in links:
        expect(nav.get_by_role("link", name=link.name, exact=True)).to_have_attribute(
            "href", link.href
        )

    for link in links:
        with page.expect_navigation() as navigation:
            nav.get_by_role("link", name=link.name, exact=True).click()
        assert_good_page(page, navigation.value, errors)

    with page.expect_navigation() as navigation:
        page.locator("#bell").click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    assert_good_page(page, navigation.value, errors)
    for address in (f"/customers/{ref}", f"/cases/{case_id}", "/calendars"):
        assert_good_page(page, page.goto(address), errors)

    # what the role may not open answers a page saying so, not a server error
    held = permissions_of_role(role, {})
    refused = [link.href for link in NAV if link not in links]
    refused += [address for address, needs in BEYOND_NAV if not held & set(needs)]
    for address, status in [(a, 403) for a in refused] + [(MISSING, 404)]:
        response = page.goto(address)
        assert response is not None and response.status == status, (address, response)
        expect(page.locator("main h1").first).to_be_visible()
        assert "Internal Server Error" not in page.content(), address
    page.wait_for_load_state("load")
    assert [e for e in errors.take() if not REFUSED_LOAD.search(e)] == []
