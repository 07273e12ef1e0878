"""The customer page: "Why this score", "What changed" and the assessment history."""

from __future__ import annotations

from html import escape

from engine.db import Database
from tests.web.conftest import HEALTHY, RISKY, TERMS, PageClient, upsert


def test_customer_page_shows_why_what_changed_and_history(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C001", HEALTHY, terms=TERMS)
    upsert(workspace, "C001", RISKY)
    pages.login("rita", ["legal"])
    response = pages.get("/customers/C001")
    assert response.template.name == "customer.html"
    context = response.context
    assert context["language"] == "en"
    texts = [line["text"] for line in context["explanation"]]
    # fields named by their labels, as a person reads them (the API keeps the rules' names)
    assert texts[0] == "+30 Overdue more than 90 days (Worst current overdue (days) = 120)"
    assert texts[-1] == "tier high: score 60 ≥ 60 (row 1)"
    summary = context["change"]["summary"]
    assert summary.startswith("low → high since ")
    assert [(h.tier, h.score) for h in context["history"]] == [("high", 60), ("low", -10)]
    assert context["history"][0].change_summary["en"] == summary
    assert context["history_next_cursor"] is None

    html = response.text
    assert "Why this score" in html and "What changed" in html and "Assessment history" in html
    assert escape(texts[0]) in html
    assert escape(summary) in html


def test_customer_page_in_chinese(workspace: Database, pages: PageClient) -> None:
    upsert(workspace, "C001", HEALTHY, terms=TERMS)
    upsert(workspace, "C001", RISKY)
    pages.login("rita", ["legal"])
    response = pages.get("/customers/C001", params={"lang": "zh"})
    context = response.context
    assert context["language"] == "zh"
    assert context["explanation"][-1]["text"] == "等级 高：得分 60 ≥ 60 (第 1 行)"
    assert context["change"]["summary"].startswith("等级 低 → 高，自 ")
    assert "等级 高：得分 60 ≥ 60 (第 1 行)" in response.text


def test_a_score_change_within_the_tier_is_shown(workspace: Database, pages: PageClient) -> None:
    upsert(workspace, "C001", HEALTHY, terms=TERMS)
    upsert(workspace, "C001", {**HEALTHY, "has_guarantee": False})
    pages.login("rita", ["legal"])
    response = pages.get("/customers/C001")
    summary = response.context["change"]["summary"]
    assert summary.startswith("low → low since ")
    assert "Guarantee or collateral in place no longer applies" in summary
    assert "The tier did not change at the latest assessment." not in response.text
