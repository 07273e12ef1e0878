"""The rules editor in a real browser (headless Chromium) against the live server, on each backend.

A risk analyst opens the ruleset from the navigation, types a misspelt field name and sees the
live check list it at its line and column with the line marked in the gutter, jumps to it from
the diagnostic, corrects it and sees the problem go; saves the draft, compares it with the
published version and tries it on a customer, both results side by side. On a workspace that
requires approval, a simulation runs, a second person approves, the portfolio rescore runs and
the customer list shows the new tiers. The same editor in Chinese says its problems in Chinese.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlmodel import select

from engine import specs
from engine.db import Database
from engine.models import Job, SpecKind
from engine.templates import import_template
from tests.conftest import EXAMPLE_TEMPLATE
from tests.web.conftest import HEALTHY, NOW, PASSWORD, RISKY, TERMS, ApiClient, upsert

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]
NEW_RULE = (
    '\nrule big_balance "Balance above 50,000 CNY"\n'
    "  when outstanding_balance > 50_000\n"
    "  then add 40\n"
)


def _published_source(database: Database) -> str:
    with database.transaction() as session:
        return specs.find_row(session, SpecKind.RULESET, "credit").source


def _with_new_rule(source: str) -> str:
    return source.replace("\ntiers\n", NEW_RULE + "\ntiers\n")


def _sign_in(page: Page, name: str) -> None:
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _open_editor(workspace: Database, api: ApiClient, page: Page) -> str:
    """Seed two customers and a risk analyst, sign in, open the editor; the published text."""
    api.add_user("rita", ["risk_analyst"])
    upsert(workspace, "C-100", HEALTHY, terms=TERMS)
    upsert(workspace, "C-200", RISKY, terms=TERMS)
    page.goto("/customers")
    _sign_in(page, "rita")
    page.get_by_role("navigation").get_by_role("link", name="Rules").click()
    expect(page).to_have_url(re.compile(r"/rules$"))
    page.get_by_role("link", name="Manufacturing B2B credit risk").click()
    expect(page).to_have_url(re.compile(r"/rules/credit$"))
    # the URL changes when the navigation commits, before htmx has bound the source's live
    # check: typed before then, the text would never be checked (seen under load)
    page.wait_for_load_state()
    return _published_source(workspace)


def test_a_live_error_appears_is_fixed_and_the_draft_is_saved_and_tried(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    published = _open_editor(workspace, api, page)
    source = page.get_by_label("Rules source")
    expect(source).to_have_value(published)
    expect(page.locator("#diagnostics")).to_contain_text("No problems found.")
    lines = published.split("\n")
    expect(page.locator(".gutter span")).to_have_count(len(lines))

    # a misspelt field: the check lists it at its line and column and marks the line
    fixed = _with_new_rule(published)
    bad = fixed.replace("max_overdue_days > 90", "max_overdue_dayz > 90")
    line = bad.splitlines().index("  when max_overdue_dayz > 90") + 1
    source.fill(bad)
    problem = page.locator("#diagnostics li.sev-error")
    expect(problem).to_have_count(1)
    expect(problem.locator(".pos")).to_have_text(f"{line}:8")
    expect(problem).to_contain_text("unknown field 'max_overdue_dayz'")
    expect(problem.locator(".snippet")).to_contain_text("when max_overdue_dayz > 90")
    expect(page.locator(".gutter .mark-error")).to_have_text(str(line))
    expect(page.locator(".gutter span")).to_have_count(len(bad.split("\n")))
    screenshot(page, "rules-live-error")

    # from the diagnostic to the place in the text; correct the name there, key by key
    problem.locator(".pos").click()
    expect(source).to_be_focused()
    for _ in range(len("max_overdue_dayz")):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Backspace")
    page.keyboard.type("s")
    expect(page.locator("#diagnostics")).to_contain_text("No problems found.")
    expect(page.locator(".gutter .mark-error")).to_have_count(0)
    expect(source).to_have_value(fixed)

    # save: the draft is listed beside the published version and compares with it
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/rules/credit\?saved=1$"))
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    expect(source).to_have_value(fixed)
    versions = page.locator("table.versions tbody tr")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("v2")
    expect(versions.first).to_contain_text("draft")
    versions.first.get_by_role("link", name="Compare with published").click()
    expect(page.locator("#diff .diff-add").first).to_contain_text("+")
    expect(page.locator("#diff")).to_contain_text('+rule big_balance "Balance above 50,000 CNY"')
    expect(page.locator("#diff .diff-add")).to_have_count(len(NEW_RULE.split("\n")) - 1)
    expect(page.locator("#diff .diff-del")).to_have_count(0)
    with workspace.transaction() as session:
        assert specs.find_row(session, SpecKind.RULESET, "credit").version == 1  # still

    # try on a customer: both versions side by side, the new rule starts firing
    page.get_by_label("Customer reference").fill("C-100")
    page.get_by_role("button", name="Try", exact=True).click()
    sides = page.locator("#try .side")
    expect(sides).to_have_count(2)
    expect(sides.first.get_by_role("heading")).to_have_text("Published v1")
    expect(sides.last.get_by_role("heading")).to_have_text("Draft v2")
    expect(page.locator("#try .started")).to_contain_text("Balance above 50,000 CNY")
    expect(page.locator("#try .try-summary")).to_contain_text("tier low → medium")
    screenshot(page, "rules-try")


def test_the_editor_in_chinese_says_its_problems_in_chinese(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    published = _open_editor(workspace, api, page)
    page.get_by_role("button", name="中文").click()
    expect(page).to_have_url(re.compile(r"/rules/credit$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("规则集 credit")
    page.wait_for_load_state()
    source = page.get_by_label("规则源文本")
    source.fill(published.replace("max_overdue_days > 90", "max_overdue_dayz > 90"))
    problem = page.locator("#diagnostics li.sev-error")
    expect(problem).to_have_count(1)
    expect(problem.locator(".severity")).to_have_text("错误")
    expect(problem.locator(".message")).to_have_text(re.compile(r"[\u4e00-\u9fff]"))
    expect(page.locator("#diagnostics .check-summary")).to_have_text("错误：1")
    expect(page.get_by_role("button", name="保存草稿")).to_be_visible()
    screenshot(page, "rules-zh")


def _sweep(sweeper: ApiClient) -> None:
    """Run the background work now, as the scheduler would: the jobs' chunks."""
    response = sweeper.post("/api/v1/sweep", json={})
    assert response.status_code == 200, response.text


@pytest.fixture
def governed(database: Database, tmp_path: Path) -> Database:
    """The example template with `governance: {publish_requires_approval: true}`."""
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    template = bundle / "template.yaml"
    text = template.read_text(encoding="utf-8")
    template.write_text(
        text.replace("\nroles:", "\ngovernance: {publish_requires_approval: true}\nroles:", 1),
        encoding="utf-8",
    )
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
    return database


def test_a_simulation_runs_approval_is_requested_and_a_second_person_approves(
    governed: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    sweeper = api.as_user("ops", ["admin"])
    api.add_user("paula", ["risk_analyst", "cfo"])  # an editor who may publish
    api.add_user("carl", ["cfo"])  # a second publisher
    published = _open_editor(governed, api, page)
    rows = page.locator("table.versions tbody tr")
    page.get_by_label("Rules source").fill(_with_new_rule(published))
    expect(page.locator("#diagnostics")).to_contain_text("No problems found.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    expect(rows).to_have_count(2)

    # simulate: the panel follows the job's progress by itself until the result is there
    page.get_by_role("button", name="Simulate").click()
    expect(page.locator("#simulation .sim-status")).to_contain_text("running, 0 of 2")
    _sweep(sweeper)
    status = page.locator("#simulation .sim-status")
    expect(status).to_contain_text("done, 2 customers scored, 1 change tier.")
    moved = page.locator('#simulation td[data-from="low"][data-to="medium"] strong')
    expect(moved).to_have_text("1")
    movers = page.locator("#simulation table.movers tbody tr")
    expect(movers).to_have_count(1)
    expect(movers.first).to_contain_text("C-100")
    expect(movers.first).to_contain_text("Balance above 50,000 CNY")
    screenshot(page, "rules-simulation")

    # the analyst may not publish; an editor who may requests approval with a comment
    expect(page.get_by_text("Publishing needs the permission specs:publish")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    page.goto("/rules/credit")
    _sign_in(page, "paula")
    expect(page).to_have_url(re.compile(r"/rules/credit$"))
    page.get_by_label("Comment (why this change)").fill("Large balances weigh more")
    page.get_by_role("button", name="Request approval").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    expect(page.locator(".spec-change")).to_contain_text("Large balances weigh more")
    expect(page.locator('.spec-change td[data-from="low"][data-to="medium"] strong')).to_have_text(
        "1"
    )
    screenshot(page, "rules-change-case")

    # a second person approves on the case page: the version is published
    page.get_by_role("button", name="Sign out").click()
    page.goto(case_url)
    _sign_in(page, "carl")
    expect(page).to_have_url(case_url)
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".status")).to_have_text("closed")
    # the case page's history (web/templates/case.html): carl, approve, into closed
    approved = page.locator('#history tr[data-reason="action"]').last
    expect(approved).to_contain_text("carl")
    expect(approved).to_contain_text("Approve → closed")
    with governed.transaction() as session:
        assert specs.find_row(session, SpecKind.RULESET, "credit").version == 2
        rescores = session.exec(select(Job).where(Job.kind == "rescore")).all()
    # the portfolio's rescore on the approved version, queued for the sweep
    assert [(j.params.get("reason"), j.created_by) for j in rescores][-1] == ("publish", "carl")
    # the sweep rescores the portfolio on it: the customer list shows the new tiers
    page.get_by_role("link", name="Customers").first.click()
    row = page.locator("table tbody tr", has_text="C-100")
    expect(row.locator(".tier")).to_have_text("low")
    _sweep(sweeper)
    with governed.transaction() as session:
        job = session.get(Job, rescores[-1].id)
        assert job is not None and (job.status, job.done, job.total) == ("done", 2, 2)
    page.reload()
    expect(row.locator(".tier")).to_have_text("medium")
    screenshot(page, "rules-rescored-customers")
