"""The workflow editor in a real browser (headless Chromium) against the live server, on each
backend.

A risk analyst opens the workflow from the list, types an unknown role and sees the live check
list it at its line and column while the diagram keeps the last text that loaded, jumps to it
from the diagnostic, then adds a legal review step and sees the diagram draw it, and saves the
draft. The published version is untouched until the draft is published.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine import specs
from engine.db import Database
from engine.drafts import get_draft
from engine.models import SpecKind
from tests.web.conftest import PASSWORD, ApiClient

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api").expect

Screenshot = Callable[["Page", str], Path]
KEY = "high_risk_review"
LEGAL = (
    "  legal_review:\n    assignee: {role: legal}\n    actions:\n"
    "      cleared: {to: finance_approval}\n"
)


def _published_source(database: Database) -> str:
    with database.transaction() as session:
        return specs.find_row(session, SpecKind.WORKFLOW, KEY).source


def _with_legal(source: str) -> str:
    return (
        source.replace(
            "      approve: {to: apply}\n",
            "      approve: {to: apply}\n      ask_legal: {to: legal_review}\n",
        )
        + LEGAL
    )


def test_a_live_error_is_placed_fixed_and_the_new_step_drawn_and_saved(
    workspace: Database, api: ApiClient, page: Page, screenshot: Screenshot
) -> None:
    api.add_user("rita", ["risk_analyst"])
    page.goto("/workflows")
    page.get_by_label("User name").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/workflows$"))
    row = page.locator("table.workflows tr", has_text="High-risk credit review")
    row.get_by_role("link", name="Edit", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/workflows/{KEY}/edit$"))
    # the URL changes when the navigation commits, before htmx has bound the source's live
    # check: typed before then, the text would never be checked (seen under load)
    page.wait_for_load_state()

    published = _published_source(workspace)
    source = page.get_by_label("Workflow source (YAML)")
    expect(source).to_have_value(published)
    diagram = page.locator("#diagram svg")
    expect(diagram.locator('[data-step="finance_approval"]')).to_have_count(1)
    expect(diagram.locator('[data-step="legal_review"]')).to_have_count(0)

    # an unknown role: listed at its line and column; the diagram stays as it was
    bad = published.replace("role: finance_head", "role: finance_boss")
    line = bad.splitlines().index("    assignee: {role: finance_boss}") + 1
    column = bad.splitlines()[line - 1].index("finance_boss") + 1
    source.fill(bad)
    problem = page.locator("#diagnostics li.sev-error")
    expect(problem).to_have_count(1)
    expect(problem.locator(".pos")).to_have_text(f"{line}:{column}")
    expect(problem).to_contain_text("finance_boss")
    expect(page.locator(".gutter .mark-error")).to_have_text(str(line))
    expect(page.locator("#diagram-status")).to_have_attribute("data-shows", "last")
    expect(diagram.locator('[data-step="finance_approval"]')).to_have_count(1)
    screenshot(page, "workflow-live-error")

    # from the diagnostic to the place in the text
    problem.locator(".pos").click()
    expect(source).to_be_focused()
    offset = sum(len(text) + 1 for text in bad.split("\n")[: line - 1]) + column - 1
    assert source.evaluate("area => area.selectionStart") == offset

    # fixed, and a legal review added: the diagram draws the new step and its arrows
    fixed = _with_legal(published)
    source.fill(fixed)
    expect(page.locator("#diagnostics")).to_contain_text("No problems found.")
    expect(page.locator("#diagram-status")).to_have_attribute("data-shows", "draft")
    legal = page.locator('#diagram svg [data-step="legal_review"]')
    expect(legal).to_have_count(1)
    expect(legal).to_contain_text("role legal")
    expect(page.locator('#diagram svg g.edge[data-target="legal_review"]')).to_have_count(1)

    # saved: the editor comes back with the draft and its diagram; nothing published yet
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(rf"/workflows/{KEY}/edit\?saved=1$"))
    expect(page.locator("p.notice")).to_contain_text("Draft saved.")
    expect(source).to_have_value(fixed)
    expect(page.locator('#diagram svg [data-step="legal_review"]')).to_have_count(1)
    screenshot(page, "workflow-draft-saved")
    with workspace.transaction() as session:
        assert get_draft(session, SpecKind.WORKFLOW, KEY).source == fixed
        assert specs.find_row(session, SpecKind.WORKFLOW, KEY).version == 1
