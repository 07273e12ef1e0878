"""The example template's high-risk review in a real browser, in Chinese, on each backend.

A customer turns high risk and its review opens at the east department's sales managers. Nobody
acts for two business days: the timer sweep (run at an explicit time) hands it to the department
head, who finds it in the inbox, sees the escalation in the case's history and proposes new terms
through the action form. The department head also holds finance_head, and four eyes keeps them
from approving their own proposal: the page says why, in Chinese, and a forced submit is refused
with the same reason. Another finance head approves; at the CFOs' step (quorum: all) the first
vote leaves the case waiting for the second, whose vote applies the terms and closes it. The
customer's page then shows the new terms and the case page the terms change.

This runs on the example policy as it ships (tests/conftest.py's EXAMPLE_TEMPLATE, not the
mechanics template the `workspace` fixture imports). The pages' clock is the `web.deps._now`
dependency, overridden to the story's times; nothing sleeps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlmodel import col, select

from engine.background import sweep
from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.models import Case
from engine.templates import import_template
from engine.users import add_user, grant_role
from tests.conftest import EXAMPLE_TEMPLATE
from tests.e2e.conftest import VIEWPORT
from tests.web.conftest import PASSWORD, RISKY, TERMS, LiveServer
from web.deps import _now

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]

# a Monday: business days on the cn calendar are plain weekdays that week
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
# name: (role, department of the grant)
STAFF = {
    "mia": ("sales_manager", "east"),
    "dora": ("department_head", "east"),
    "fay": ("finance_head", None),
    "cal": ("cfo", None),
    "cora": ("cfo", None),
}


@dataclass
class PageClock:
    """The time the live server's pages see (web.deps._now), moved by the test."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def page_clock(live_server: LiveServer) -> Iterator[PageClock]:
    pages_now = PageClock(MONDAY)
    live_server.app.dependency_overrides[_now] = pages_now
    try:
        yield pages_now
    finally:
        del live_server.app.dependency_overrides[_now]


@pytest.fixture
def policy(database: Database) -> Database:
    """The example template as it ships, and its staff; dora is a finance head too."""
    with database.transaction() as session:
        import_template(session, EXAMPLE_TEMPLATE, actor="admin", now=MONDAY, base_currency="CNY")
        for name, (role, department) in STAFF.items():
            add_user(
                session,
                name,
                roles=(role,),
                department=department,
                password=PASSWORD,
                actor="admin",
                now=MONDAY,
            )
        grant_role(session, "dora", "finance_head", actor="admin", now=MONDAY)
    return database


@pytest.fixture
def sign_in(browser: Browser, live_server: LiveServer) -> Iterator[Callable[[str], Page]]:
    """`sign_in(name)`: a new browser (its own cookies) signed in as `name`, in Chinese."""
    contexts = []

    def signed_in(name: str) -> Page:
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_role("button", name="中文").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        page.locator("input[name=username]").fill(name)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").last.click()
        expect(page).to_have_url(re.compile(r"://[^/]+/$"))  # the dashboard
        return page

    try:
        yield signed_in
    finally:
        for context in contexts:
            context.close()


def _high_risk_customer(database: Database) -> int:
    """Customer C-EAST of department east turns high risk on Monday; its review's id."""
    with database.transaction() as session:
        opened = upsert_customer(
            session,
            "C-EAST",
            CustomerInput(name=RISKY["name"], department="east", data=RISKY, terms=TERMS),
            actor="api",
            now=MONDAY,
            tz=UTC,
        ).cases_opened
        (case_id,) = session.exec(
            select(Case.id).where(
                col(Case.id).in_(opened), col(Case.workflow_key) == "high_risk_review"
            )
        ).all()
    assert case_id is not None
    return case_id


def _open_from_inbox(page: Page, case_id: int, *, escalation: str = "—") -> None:
    """Open case `case_id` from the "mine" tab of the inbox, its row showing `escalation`."""
    page.locator("header nav").get_by_role("link", name="待办").click()
    expect(page.locator("#tab-mine")).to_have_attribute("aria-current", "page")
    row = page.locator(f'#results tr[data-case="{case_id}"]')
    expect(row.locator("td").last).to_have_text(escalation)
    row.locator("a").first.click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))


def test_a_high_risk_review_escalates_and_is_approved_by_finance_and_every_cfo_in_chinese(
    policy: Database,
    page_clock: PageClock,
    sign_in: Callable[[str], Page],
    screenshot: Screenshot,
) -> None:
    case_id = _high_risk_customer(policy)

    # Monday: the review waits on the east department's sales managers
    page_clock.now = MONDAY + timedelta(hours=1)
    mia = sign_in("mia")
    _open_from_inbox(mia, case_id)
    expect(mia.locator("h1")).to_contain_text("高风险客户复核")
    expect(mia.locator("#case-step")).to_have_attribute("data-step", "sales_review")
    expect(mia.locator("#case-step")).to_have_text("销售复核")  # the step's label, in Chinese
    expect(mia.locator('[data-testid="do-propose_terms"]')).to_have_text("提议信用条件")
    expect(mia.locator("#case-assigned")).to_have_text("sales_manager")
    expect(mia.locator("#case-escalation")).to_have_text("0")
    expect(mia.locator("#action-propose_terms")).to_be_visible()

    # nobody acts; Wednesday 09:00 is two business days on: the department head takes over
    wednesday = MONDAY + timedelta(days=2)
    report = sweep(policy, now=wednesday - timedelta(minutes=1), worker="test")
    assert report.failed == 0  # only the reminder, 4 hours before
    mia.reload()
    expect(mia.locator("#case-escalation")).to_have_text("0")
    report = sweep(policy, now=wednesday + timedelta(minutes=1), worker="test")
    assert (report.fired, report.failed) == (1, 0)
    page_clock.now = wednesday + timedelta(hours=1)
    dora = sign_in("dora")
    _open_from_inbox(dora, case_id, escalation="第 1 级")
    expect(dora.locator("#case-assigned")).to_have_text("department_head")
    expect(dora.locator("#case-escalation")).to_have_text("1")
    escalation = dora.locator('#history tr[data-reason="escalation"]')
    expect(escalation).to_have_count(1)
    expect(escalation).to_contain_text("已升级至 department_head")
    screenshot(dora, "high-risk-escalated-zh")

    # the department head proposes new terms through the action form, its labels in Chinese
    form = dora.locator("#action-propose_terms")
    expect(form.locator("legend")).to_have_text("信用条件提案")
    form.get_by_label("建议信用额度").fill("400000")
    form.get_by_label("建议账期（天）").fill("30")
    form.get_by_label("建议预付比例").fill("0.3")
    form.get_by_label("理由").fill("逾期 120 天且有两条被执行记录")
    form.locator("textarea[name=comment]").fill("额度降至 40 万，预付三成")
    form.locator('[data-testid="do-propose_terms"]').click()
    expect(dora.locator("#case-step")).to_have_attribute("data-step", "finance_approval")
    expect(dora.locator("#case-assigned")).to_have_text("finance_head")
    expect(dora.locator("#history tbody tr").last).to_contain_text("额度降至 40 万，预付三成")
    proposed = dora.locator("#proposed-terms")
    expect(proposed.locator('tr[data-term="credit_limit"] td')).to_contain_text(
        ["1,000,000", "400,000"]
    )

    # four eyes: dora holds finance_head, but she proposed it; the page says so in Chinese
    reason = "四眼原则：dora 是提议人，因此步骤“财务审批”的“批准”须由其他人执行"  # labels
    expect(dora.locator("#four-eyes")).to_contain_text("无资格：dora。")
    expect(dora.locator("#barred-approve")).to_have_text(reason)
    approve = dora.locator('[data-testid="do-approve"]')
    expect(approve).to_be_disabled()
    screenshot(dora, "high-risk-four-eyes-zh")
    # forced, the server refuses it with the same reason beside the form
    approve.evaluate("button => button.removeAttribute('disabled')")
    approve.click()
    expect(dora.locator("#case-error")).to_contain_text(reason)
    expect(dora.locator("#action-approve")).to_have_class(re.compile("has-error"))
    expect(dora.locator("#case-step")).to_have_attribute("data-step", "finance_approval")

    # another finance head approves: on to every CFO
    page_clock.now = wednesday + timedelta(hours=2)
    fay = sign_in("fay")
    _open_from_inbox(fay, case_id)
    expect(fay.locator('[data-testid="do-approve"]')).to_be_enabled()
    fay.locator('[data-testid="do-approve"]').click()
    expect(fay.locator("#case-step")).to_have_attribute("data-step", "cfo_approval")
    expect(fay.locator("#case-assigned")).to_have_text("cfo")

    # the first CFO's vote: the case waits on the other
    page_clock.now = wednesday + timedelta(hours=3)
    cal = sign_in("cal")
    _open_from_inbox(cal, case_id)
    expect(cal.locator("#quorum")).to_contain_text("0 / 2")  # every CFO: cal and cora
    cal.locator('[data-testid="do-approve"]').click()
    expect(cal.locator("#case-status")).to_have_text("进行中")
    expect(cal.locator("#case-step")).to_have_attribute("data-step", "cfo_approval")
    quorum = cal.locator("#quorum")
    expect(quorum).to_have_attribute("data-votes", "1")
    expect(quorum).to_contain_text("1 / 2")
    expect(cal.locator("#four-eyes")).to_contain_text("无资格：fay。")  # cal is barred by his vote
    expect(cal.locator("#quorum-votes li")).to_have_count(1)
    expect(cal.locator("#quorum-votes li")).to_contain_text("cal")
    expect(cal.locator("#barred-approve")).to_have_text("cal 已在步骤“CFO 审批”批准过“批准”")
    expect(cal.locator('#history tr[data-reason="vote"]')).to_contain_text(
        "已批准（批准），计入法定人数"
    )
    screenshot(cal, "high-risk-quorum-zh")

    # Thursday: the second CFO approves; the terms apply and the case closes
    page_clock.now = MONDAY + timedelta(days=3, hours=1)
    cora = sign_in("cora")
    _open_from_inbox(cora, case_id)
    cora.locator('[data-testid="do-approve"]').click()
    expect(cora.locator("#case-status")).to_have_text("已关闭")
    expect(cora.locator("#case-outcome")).to_have_attribute("data-outcome", "completed")
    expect(cora.locator("#case-outcome")).to_have_text("已完成（自动）")  # in words, in Chinese
    changes = cora.locator("#terms-changes")
    expect(changes).to_contain_text("由 cora 批准")
    expect(changes.locator('tr[data-term="credit_limit"] td')).to_contain_text(
        ["1,000,000", "400,000"]
    )
    expect(changes.locator('tr[data-term="payment_terms_days"] td')).to_contain_text(["60", "30"])
    expect(changes.locator('tr[data-term="prepayment_pct"] td')).to_contain_text(["0%", "30%"])
    screenshot(cora, "high-risk-closed-zh")

    # the customer's page shows the new terms
    cora.locator("#case-customer").click()
    expect(cora).to_have_url(re.compile(r"/customers/C-EAST$"))
    terms = cora.locator("section.card", has=cora.get_by_role("heading", name="信用条款"))
    for label, value in (
        ("信用额度", "400,000 CNY"),
        ("账期", "30 天"),
        ("预付比例", "30%"),
        ("暂停发货", "否"),
        ("下次复核", "2027-03-03"),  # the day it applied (Thursday) + 90 days
    ):
        expect(terms.locator(f'dt:text-is("{label}") + dd')).to_have_text(value)
    expect(terms.locator(f'#customer-cases li[data-case="{case_id}"]')).to_have_attribute(
        "data-status", "closed"
    )
    screenshot(cora, "high-risk-customer-zh")
