"""The case page in a real browser, in Chinese, on each backend.

A finance head who reads Chinese opens a case from the inbox and sees, without leaving the page,
the customer's score and tier when the case opened and now, the reasons in Chinese with the
fields' Chinese labels, what triggered the case, and the credit terms approving would apply beside
the current ones; a refused action shows its error beside the form; the page fits a 375 px phone
and is usable by keyboard. The closed case is then found under the inbox's "done" tab.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine import clock
from engine.cases import take_action
from engine.db import Database
from tests.web.conftest import PASSWORD, RISKY, TERMS, ApiClient, upsert

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]


def _sign_in_in_chinese(page: Page, name: str) -> None:
    page.goto("/login")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.locator("input[name=username]").fill(name)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))  # the dashboard


def _proposed_case(workspace: Database, api: ApiClient) -> int:
    """A high-risk customer whose review a sales manager proposed; the case waits on finance."""
    api.add_user("fang", ["finance_head"])
    case_id = upsert(workspace, "C-200", RISKY, terms=TERMS).cases_opened[0]
    # the customer is re-scored after the case opened: one court record fewer
    upsert(workspace, "C-200", {**RISKY, "enforcement_records": 1})
    with workspace.transaction() as session:
        take_action(
            session,
            case_id,
            "propose_terms",
            actor="sam",
            roles=["sales_manager"],
            comment="减半额度",
            now=clock.utcnow(),
        )
    return case_id


def test_a_finance_head_decides_from_the_case_page_in_chinese(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    case_id = _proposed_case(workspace, api)
    _sign_in_in_chinese(page, "fang")

    page.locator("header nav").get_by_role("link", name="待办").click()
    expect(page.locator("#tab-mine")).to_have_attribute("aria-current", "page")
    page.locator(f'#results tr[data-case="{case_id}"] a').first.click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))

    # then and now, side by side
    expect(page.locator("#score-opened")).to_have_text("60")
    expect(page.locator("#score-now")).to_have_text("60")
    expect(page.locator("#tier-opened")).to_have_text("高")
    expect(page.locator("#assessment-change")).to_be_visible()
    expect(page.locator("#triggers")).to_contain_text("首次评估将客户定为 high 等级（评分 60）")
    # the reasons in Chinese, fields by their Chinese labels
    expect(page.locator("#reasons-now")).to_contain_text("最长逾期天数 = 120")
    expect(page.locator("#reasons-now")).to_contain_text("被执行记录数 = 1")
    # the terms approving would apply, beside the current ones
    applies = page.locator("#applies-approve")
    expect(applies.locator('tr[data-term="credit_limit"] td')).to_contain_text(
        ["1,000,000", "500,000"]
    )
    expect(applies.locator('tr[data-term="prepayment_pct"] td')).to_contain_text(["0%", "30%"])
    expect(page.locator("#history tbody tr").last).to_contain_text("减半额度")
    screenshot(page, "case-page-zh")

    # rejecting needs a comment: the browser asks for it first; forced, the server refuses inline
    page.locator("#comment-reject").evaluate("area => area.removeAttribute('required')")
    page.locator('[data-testid="do-reject"]').click()
    expect(page.locator("#case-error")).to_be_visible()
    expect(page.locator("#case-error")).to_contain_text("需要填写意见")
    expect(page.locator("#action-reject")).to_have_class(re.compile("has-error"))

    # by keyboard: focus the approve button and press Enter
    page.locator('[data-testid="do-approve"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#case-status")).to_have_text("已关闭")
    expect(page.locator("#terms-changes")).to_contain_text("500,000")

    # the closed case is under "done"
    page.goto("/inbox?tab=done")
    expect(page.locator(f'#results tr[data-case="{case_id}"]')).to_be_visible()


def test_the_case_page_fits_a_phone(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    case_id = _proposed_case(workspace, api)
    page.set_viewport_size({"width": 375, "height": 800})
    _sign_in_in_chinese(page, "fang")
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#score-opened")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "case-page-375")
