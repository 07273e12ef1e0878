"""Shadow runs: a draft evaluated beside the published ruleset on live upserts and events,
acting on nothing, until a given time; and the comparison of the two (engine.shadow)."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func
from sqlmodel import col, select

from engine import audit, specs
from engine.db import Database
from engine.drafts import save_draft
from engine.errors import ConflictError, InvalidRequestError, NotFoundError
from engine.events import EventInput, record_event
from engine.models import Alert, Assessment, AuditEntry, Case, ShadowResult, SpecKind
from engine.shadow import TierCell, compare_shadow, start_shadow, stop_shadow
from tests.engine.conftest import HEALTHY, NOW, RISKY, TERMS, upsert

KEY = "credit"
UNTIL = NOW + timedelta(days=7)
# 15 (overdue 31-90) + 5 (construction) + 15 (95% of the line used) = 35: medium today
MEDIUM: dict[str, Any] = {
    "name": "Middling Works",
    "industry": "construction",
    "max_overdue_days": 45,
    "enforcement_records": 0,
    "outstanding_balance": 950_000,
    "has_guarantee": False,
}


def _published(database: Database) -> str:
    with database.transaction() as session:
        return specs.find_row(session, SpecKind.RULESET, KEY).source


def _save(database: Database, source: str) -> None:
    with database.transaction() as session:
        save_draft(session, SpecKind.RULESET, KEY, source, actor="ana", now=NOW)


def _stricter(database: Database) -> str:
    """The published rules with `high` from a score of 30 instead of 60."""
    source = _published(database)
    assert "high when score >= 60" in source
    return source.replace("high when score >= 60", "high when score >= 30")


def _start(database: Database, *, until: Any = UTC, now: Any = NOW) -> None:
    with database.transaction() as session:
        start_shadow(session, KEY, until=UNTIL if until is UTC else until, actor="ana", now=now)


def _results(database: Database) -> list[ShadowResult]:
    with database.transaction() as session:
        return list(session.exec(select(ShadowResult).order_by(col(ShadowResult.id))))


def _count(database: Database, table: Any) -> int:
    with database.transaction() as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def test_an_upsert_during_the_run_stores_both_results_and_acts_only_on_the_published(
    workspace: Database,
) -> None:
    _save(workspace, _stricter(workspace))
    _start(workspace)
    upserted = upsert(workspace, "C-MID", MEDIUM, terms=TERMS, now=NOW + timedelta(hours=1))
    assert list(upserted.cases_opened) == []  # the draft would open a review; nothing opens
    (result,) = _results(workspace)
    assert result.champion == {
        "score": 35,
        "tier": "medium",
        "previous_tier": None,
        "alerts": [],
        "cases": [],
    }
    assert result.challenger == {
        "score": 35,
        "tier": "high",
        "previous_tier": None,
        "alerts": [],
        "cases": ["high_risk_review"],
    }
    assert result.at == NOW + timedelta(hours=1)
    # the customer, its assessment, its cases and alerts are the published ruleset's alone
    assert (_count(workspace, Case), _count(workspace, Alert), _count(workspace, Assessment)) == (
        0,
        0,
        1,
    )
    with workspace.transaction() as session:
        assessment = session.exec(select(Assessment)).one()
        assert (assessment.tier, assessment.ruleset_version) == ("medium", 1)


def test_an_event_during_the_run_is_evaluated_by_both(workspace: Database) -> None:
    _save(workspace, _stricter(workspace))
    upsert(workspace, "C-MID", MEDIUM, terms=TERMS)  # before the run: not seen
    _start(workspace)
    with workspace.transaction() as session:
        record_event(
            session,
            "C-MID",
            EventInput(kind="lawsuit", occurred_at="2026-11-28", payload={}),
            actor="api",
            now=NOW + timedelta(hours=2),
            tz=UTC,
        )
    (result,) = _results(workspace)
    assert (result.champion["tier"], result.challenger["tier"]) == ("medium", "high")
    assert result.challenger["previous_tier"] == "medium"
    assert _count(workspace, Case) == 0


def test_a_customer_the_published_ruleset_sends_to_review_opens_one_real_case(
    workspace: Database,
) -> None:
    _save(workspace, _stricter(workspace))
    _start(workspace)
    upserted = upsert(workspace, "C-RISKY", RISKY, terms=TERMS)
    assert len(upserted.cases_opened) == 1
    (result,) = _results(workspace)
    assert result.champion["cases"] == result.challenger["cases"] == ["high_risk_review"]
    assert (
        result.champion["alerts"]
        == result.challenger["alerts"]
        == [
            "court_enforcement",
            "severe_overdue",
        ]
    )
    assert _count(workspace, Case) == 1
    assert _count(workspace, Alert) == 2  # the champion's, raised once


def test_results_stop_at_until_and_when_stopped(workspace: Database) -> None:
    _save(workspace, _stricter(workspace))
    _start(workspace)
    upsert(workspace, "C-1", HEALTHY, now=UNTIL - timedelta(seconds=1))
    upsert(workspace, "C-2", HEALTHY, now=UNTIL)
    assert len(_results(workspace)) == 1
    # a new run, stopped before its time
    _start(workspace, now=UNTIL, until=UNTIL + timedelta(days=1))
    with workspace.transaction() as session:
        stopped = stop_shadow(session, KEY, actor="ana", now=UNTIL + timedelta(hours=1))
    assert stopped.status == "stopped"
    upsert(workspace, "C-3", HEALTHY, now=UNTIL + timedelta(hours=2))
    assert len(_results(workspace)) == 1
    with workspace.transaction() as session, pytest.raises(NotFoundError):
        stop_shadow(session, KEY, actor="ana", now=UNTIL + timedelta(hours=3))
    with workspace.transaction() as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "shadow.stopped")).one()


def test_without_a_run_nothing_is_stored(workspace: Database) -> None:
    _save(workspace, _stricter(workspace))
    upsert(workspace, "C-MID", MEDIUM, terms=TERMS)
    assert _results(workspace) == []


def test_a_draft_saved_again_during_the_run_does_not_change_what_it_evaluates(
    workspace: Database,
) -> None:
    _save(workspace, _stricter(workspace))
    _start(workspace)
    _save(workspace, _published(workspace))  # the draft back to the published rules
    specs.clear_cache()
    from engine import shadow

    shadow._compiled.clear()  # as a process that never compiled it would find it
    upsert(workspace, "C-MID", MEDIUM, terms=TERMS, now=NOW + timedelta(hours=1))
    (result,) = _results(workspace)
    assert result.challenger["tier"] == "high"
    stricter = specs.checksum_of(_stricter(workspace))
    with workspace.transaction() as session:
        started = session.exec(
            select(AuditEntry).where(AuditEntry.action == "shadow.started")
        ).one()
        assert started.detail["draft_version"] == 2
        assert started.detail["draft_checksum"] == stricter
        assert audit.verify_chain(session) is None


def test_a_run_is_refused_without_a_clean_draft_a_future_until_or_when_one_is_running(
    workspace: Database,
) -> None:
    with workspace.transaction() as session, pytest.raises(NotFoundError):
        start_shadow(session, KEY, until=UNTIL, actor="ana", now=NOW)
    _save(
        workspace, _published(workspace).replace("max_overdue_days > 90", "max_overdue_dayz > 90")
    )
    with workspace.transaction() as session, pytest.raises(InvalidRequestError) as bad:
        start_shadow(session, KEY, until=UNTIL, actor="ana", now=NOW)
    assert bad.value.message.startswith("the draft of ruleset '%(key)s' has")
    _save(workspace, _stricter(workspace))
    with workspace.transaction() as session, pytest.raises(InvalidRequestError) as past:
        start_shadow(session, KEY, until=NOW, actor="ana", now=NOW)
    assert past.value.message.startswith("until must be later than now")
    _start(workspace)
    with workspace.transaction() as session, pytest.raises(ConflictError):
        start_shadow(session, KEY, until=UNTIL, actor="bo", now=NOW + timedelta(hours=1))


def test_the_comparison_counts_tiers_alerts_cases_and_lists_the_customers_that_differ(
    workspace: Database,
) -> None:
    _save(workspace, _stricter(workspace))
    _start(workspace)
    upsert(workspace, "C-LOW", HEALTHY)
    upsert(workspace, "C-MID", MEDIUM, terms=TERMS)
    upsert(workspace, "C-RISKY", RISKY, terms=TERMS)
    upsert(workspace, "C-MID2", {**MEDIUM, "name": "Middling Two"}, terms=TERMS)
    upsert(workspace, "C-LOW", {**HEALTHY, "outstanding_balance": 120_000})  # seen twice
    with workspace.transaction() as session:
        compared = compare_shadow(session, KEY, scope=None, now=NOW, limit=1)
    assert (compared.evaluations, compared.customers, compared.tiers_agree) == (5, 4, 3)
    assert compared.tiers == (
        TierCell("high", "high", 1),
        TierCell("low", "low", 2),
        TierCell("medium", "high", 2),
    )
    assert compared.alerts == {
        "champion": {"court_enforcement": 1, "severe_overdue": 1},
        "challenger": {"court_enforcement": 1, "severe_overdue": 1},
    }
    assert compared.cases == {
        "champion": {"high_risk_review": 1},
        "challenger": {"high_risk_review": 3},
    }
    assert compared.run.status == "running"
    (first,) = compared.differences.items
    assert (first.customer_ref, first.differs) == ("C-MID", ("tier", "cases"))
    assert compared.differences.next_cursor is not None
    with workspace.transaction() as session:
        rest = compare_shadow(
            session, KEY, scope=None, now=NOW, cursor=compared.differences.next_cursor, limit=1
        )
        assert [d.customer_ref for d in rest.differences.items] == ["C-MID2"]
        assert rest.differences.next_cursor is None
        # a caller who sees only the west department sees none of these east customers
        west = compare_shadow(session, KEY, scope=frozenset({"west"}), now=UNTIL)
    assert (west.evaluations, west.customers, west.tiers, west.differences.items) == (0, 0, (), ())
    assert west.run.status == "finished"


def test_comparing_a_ruleset_without_a_run_is_not_found(workspace: Database) -> None:
    with workspace.transaction() as session, pytest.raises(NotFoundError):
        compare_shadow(session, KEY, scope=None, now=NOW)


def test_without_a_run_the_hook_costs_one_query_per_transaction(workspace: Database) -> None:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "shadow_" in statement:
            seen.append(statement)

    event.listen(workspace.engine, "before_cursor_execute", count)
    try:
        upsert(workspace, "C-1", HEALTHY)
        upsert(workspace, "C-RISKY", RISKY, terms=TERMS)  # opens a case: still one query
    finally:
        event.remove(workspace.engine, "before_cursor_execute", count)
    assert len(seen) == 2
    assert all(s.lstrip().upper().startswith("SELECT") for s in seen)
