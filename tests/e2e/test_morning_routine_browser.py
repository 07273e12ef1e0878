"""The credit team's morning routine in a real browser, on each backend, in English and in
Chinese (issue 12, "Browser tests"): the head of finance signs in to the dashboard, sees a case
past its deadline, opens the inbox where it comes first and is highlighted, approves it in place
(htmx: the page is not left), and the customer's page shows the new terms and the change that
set them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine import clock
from engine.cases import take_action
from engine.customers import find_customer
from engine.db import Database
from engine.models import Case
from engine.rows import update_versioned
from tests.web.conftest import HEALTHY, PASSWORD, RISKY, TERMS, ApiClient, upsert

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]
PROPOSAL = {"proposed_limit": 400000, "proposed_days": 30, "proposed_prepayment": 0.3}


def _case_at_finance(workspace: Database) -> int:
    """A high-risk customer's review whose new terms sales proposed, waiting for finance's
    approval since a day past its deadline."""
    case_id = upsert(workspace, "C-LATE", RISKY, terms=TERMS).cases_opened[0]
    upsert(workspace, "C-FINE", HEALTHY, terms=TERMS)
    with workspace.transaction() as session:
        now = clock.utcnow()
        take_action(
            session, case_id, "propose_terms", actor="sam", roles=["sales_manager"],
            data=PROPOSAL, comment="Halve the exposure", now=now,
        )  # fmt: skip
        case = session.get(Case, case_id)
        assert case is not None and case.step == "finance_approval"
        update_versioned(session, case, due_at=now - timedelta(days=1))
    return case_id


def _sign_in(page: Page, *, chinese: bool) -> None:
    page.goto("/login")
    if chinese:
        page.get_by_role("button", name="中文").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.locator("input[name=username]").fill("fay")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_finance_clears_an_overdue_case_from_the_dashboard_without_leaving_the_inbox(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot, language: str
) -> None:
    zh = language == "zh"
    words = {
        "past_due": "已逾期" if zh else "past due",
        "open_inbox": "打开待办" if zh else "Open the inbox",
        "overdue": "已逾期" if zh else "overdue",
        "decide": "在此处理" if zh else "Decide here",
        "comment": "意见" if zh else "Comment",
        "done": "已完成" if zh else "done",
        "limit": "信用额度" if zh else "Credit limit",
    }
    api.add_user("fay", ["finance_head"])
    case_id = _case_at_finance(workspace)
    _sign_in(page, chinese=zh)

    # the dashboard: one case past its deadline
    figures = page.locator(".figures", has_text=words["past_due"]).first
    expect(figures).to_contain_text("1")
    page.get_by_role("link", name=words["open_inbox"]).first.click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    page.wait_for_load_state()  # htmx binds the panels once the page has loaded

    # the inbox: the overdue case first, highlighted, with the customer's tier and score
    first = page.locator("table.inbox tbody").first
    expect(first).to_have_attribute("id", f"inbox-case-{case_id}")
    expect(first).to_have_class(re.compile(r"\boverdue\b"))
    expect(first.locator(".overdue-flag")).to_have_text(words["overdue"])
    expect(first.locator(".tier")).to_have_text("高" if zh else "high")

    # approve in place: the panel opens in the row, the row then says what was done
    first.get_by_text(words["decide"]).click()
    form = first.locator(f"#c{case_id}-action-approve")
    expect(form).to_be_visible()
    form.get_by_label(words["comment"]).fill("OK, at 400,000")
    screenshot(page, f"morning-decide-{language}")
    form.locator("button[type=submit]").click()
    done = page.locator(f"#inbox-case-{case_id}")
    expect(done).to_have_attribute("data-status", "closed")
    expect(done).to_contain_text(words["done"])
    expect(page).to_have_url(re.compile(r"/inbox$"))  # never left the page

    # the customer's new terms, and the change that set them with its approver
    with workspace.transaction() as session:
        limit = find_customer(session, "C-LATE").credit_limit
    assert limit != TERMS["credit_limit"]
    shown = f"{limit:,.0f}"
    page.goto("/customers/C-LATE")
    expect(page.locator("dl").filter(has_text=words["limit"]).first).to_contain_text(shown)
    change = page.locator("table.terms-history tbody tr").first
    expect(change).to_contain_text(shown)
    expect(change).to_contain_text("fay")
    expect(change.get_by_role("link", name=f"#{case_id}")).to_be_visible()
    screenshot(page, f"morning-terms-{language}")
