"""Assessments explain themselves: the change since the previous assessment is stored with every
new assessment, the tier changed or not (on both backends), and a customer's history reads back
newest first.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from engine.customers import get_customer
from engine.db import Database
from engine.errors import InvalidRequestError, NotFoundError
from engine.explanations import CHANGE_SCHEMA_VERSION, list_assessments
from engine.models import Assessment
from tests.engine.conftest import HEALTHY, NOW, RISKY, TERMS, upsert

LATER = NOW + timedelta(days=3)

RISKY_SUMMARY = (
    "low → high since 2026-11-28: +30 Overdue more than 90 days (max_overdue_days = 120), "
    "+25 Court enforcement on record (enforcement_records = 2), "
    "+10 Guarantee or collateral in place no longer applies (was has_guarantee = true), "
    "+5 Volatile industry (industry = construction)"
)
RISKY_SUMMARY_ZH = (
    "等级 低 → 高，自 2026-11-28 起：+30 Overdue more than 90 days (最长逾期天数 = 120)；"
    "+25 Court enforcement on record (被执行记录数 = 2)；"
    "+10 Guarantee or collateral in place 不再适用 (原为 有担保或抵押 = 是)；"
    "+5 Volatile industry (行业 = construction)"
)


def _assessments(database: Database) -> list[Assessment]:
    with database.transaction() as session:
        return list(session.exec(select(Assessment).order_by(col(Assessment.id))).all())


def test_healthy_to_risky_upsert_stores_the_change(workspace: Database) -> None:
    upsert(workspace, "C001", HEALTHY, terms=TERMS)
    upsert(workspace, "C001", RISKY, now=LATER)
    first, second = _assessments(workspace)[:2]
    assert (second.previous_tier, second.tier) == ("low", "high")
    assert second.change is not None
    assert second.change["schema_version"] == CHANGE_SCHEMA_VERSION
    assert second.change["previous_assessment_id"] == first.id
    english = second.change["en"]
    assert (english["from_tier"], english["to_tier"], english["since"]) == (
        "low",
        "high",
        "2026-11-28",
    )
    assert english["summary"] == RISKY_SUMMARY
    assert [(i["kind"], i["id"], i["points"]) for i in english["items"]] == [
        ("started", "severe_overdue", 30),
        ("started", "court_enforcement", 25),
        ("stopped", "guarantee", 10),
        ("started", "volatile_industry", 5),
    ]
    assert second.change["zh"]["summary"] == RISKY_SUMMARY_ZH


def test_the_first_assessment_stores_a_change_from_nothing(workspace: Database) -> None:
    upsert(workspace, "C001", HEALTHY, terms=TERMS)
    (first,) = _assessments(workspace)
    assert first.change is not None and first.change["previous_assessment_id"] is None
    assert first.change["en"]["summary"] == (
        "first assessment, tier low: -10 Guarantee or collateral in place (has_guarantee = true)"
    )


def test_a_score_change_within_the_tier_stores_the_change(workspace: Database) -> None:
    upsert(workspace, "C001", HEALTHY, terms=TERMS)
    upsert(workspace, "C001", {**HEALTHY, "has_guarantee": False}, now=LATER)
    first, second = _assessments(workspace)
    assert (second.previous_tier, second.tier) == ("low", "low")
    assert second.score != first.score
    assert second.change is not None
    assert second.change["previous_assessment_id"] == first.id
    assert second.change["en"]["summary"] == (
        "low → low since 2026-11-28: "
        "+10 Guarantee or collateral in place no longer applies (was has_guarantee = true)"
    )
    assert second.change["zh"]["summary"] == (
        "等级 低 → 低，自 2026-11-28 起："
        "+10 Guarantee or collateral in place 不再适用 (原为 有担保或抵押 = 是)"
    )


def test_inputs_that_moved_within_a_firing_rule_are_recorded(workspace: Database) -> None:
    # 60 → 60 within high: the same rules fire, only the overdue days grew
    upsert(workspace, "C001", RISKY, terms=TERMS)
    upsert(workspace, "C001", {**RISKY, "max_overdue_days": 150}, now=LATER)
    first, second = _assessments(workspace)
    assert (first.tier, second.tier, first.score, second.score) == ("high", "high", 60, 60)
    assert second.change is not None
    english = second.change["en"]
    assert english["items"] == []
    assert [(i["rule"], i["name"], i["from"], i["to"]) for i in english["inputs"]] == [
        ("severe_overdue", "max_overdue_days", 120, 150)
    ]
    assert english["summary"] == (
        "high → high since 2026-11-28: no rule changed (score 60 → 60); "
        "inputs moved: max_overdue_days 120 → 150"
    )
    assert second.change["zh"]["summary"].endswith("；输入变化：最长逾期天数 120 → 150")
    assert second.change["ruleset_version"] == {"from": 1, "to": 1}


def test_customer_view_explains_the_latest_assessment_in_both_languages(
    workspace: Database,
) -> None:
    upsert(workspace, "C001", HEALTHY, terms=TERMS)
    upsert(workspace, "C001", RISKY, now=LATER)
    with workspace.transaction() as session:
        assessment = get_customer(session, "C001").assessment
    assert assessment is not None
    assert assessment.explanation["en"][0] == {
        "kind": "rule",
        "id": "severe_overdue",
        "points": 30,
        "text": "+30 Overdue more than 90 days (max_overdue_days = 120)",
    }
    assert assessment.explanation["zh"][0]["text"] == (
        "+30 Overdue more than 90 days (最长逾期天数 = 120)"
    )
    assert assessment.explanation["en"][-1]["text"] == "tier high: score 60 ≥ 60 (row 1)"
    assert assessment.change is not None
    assert assessment.change["en"]["summary"] == RISKY_SUMMARY
    assert assessment.change["zh"]["summary"] == RISKY_SUMMARY_ZH


def test_history_is_newest_first_a_page_at_a_time(workspace: Database) -> None:
    upsert(workspace, "C001", HEALTHY, terms=TERMS)
    upsert(workspace, "C001", {**HEALTHY, "has_guarantee": False}, now=NOW + timedelta(days=1))
    upsert(workspace, "C001", RISKY, now=LATER)
    with workspace.transaction() as session:
        page = list_assessments(session, "C001", limit=2)
        assert [(a.as_of, a.tier) for a in page.items] == [
            (date(2026, 12, 1), "high"),
            (date(2026, 11, 29), "low"),
        ]
        assert page.items[0].change_summary is not None
        assert page.items[0].change_summary["en"].startswith("low → high since 2026-11-29: ")
        assert page.items[1].change_summary is not None
        assert page.items[1].change_summary["en"].startswith("low → low since 2026-11-28: ")
        assert page.next_cursor is not None
        rest = list_assessments(session, "C001", cursor=page.next_cursor, limit=2)
        assert [a.as_of for a in rest.items] == [date(2026, 11, 28)]
        assert rest.next_cursor is None
        with pytest.raises(InvalidRequestError):
            list_assessments(session, "C001", cursor="not-a-cursor")
        with pytest.raises(NotFoundError):
            list_assessments(session, "NOPE")
