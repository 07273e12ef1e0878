"""Simulation of a draft ruleset on a small crafted portfolio: the migration matrix, the exposure
that moves, the cases that would open, rule frequencies, movers, no look-ahead, and that nothing
but the simulation is written."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from engine import specs
from engine.db import Database
from engine.drafts import save_draft
from engine.errors import InvalidRequestError, NotFoundError, PermissionDeniedError
from engine.events import EventInput, record_event
from engine.job_kinds import run_due_chunks
from engine.jobs import DEFAULT_CHUNK_SIZE
from engine.models import (
    Alert,
    Assessment,
    AuditEntry,
    Case,
    Customer,
    Event,
    SimulationMover,
    SpecKind,
)
from engine.simulation import latest_result, list_movers, simulation_view, start_simulation
from tests.engine.conftest import NOW, upsert

LATER = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)

# A: low under both; B: low → medium (moderate overdue doubles); C: high under both;
# D: medium → high (moderate overdue doubles and high starts at 40).
PORTFOLIO: dict[str, dict[str, Any]] = {
    "C-A": {
        "name": "Calm Bearings",
        "industry": "manufacturing",
        "max_overdue_days": 0,
        "outstanding_balance": 100_000,
        "has_guarantee": True,
    },
    "C-B": {
        "name": "Slow Builders",
        "industry": "construction",
        "max_overdue_days": 45,
        "outstanding_balance": 200_000,
    },
    "C-C": {
        "name": "Shaky Trading",
        "industry": "construction",
        "max_overdue_days": 120,
        "enforcement_records": 2,
        "outstanding_balance": 900_000,
    },
    "C-D": {
        "name": "Late Payers",
        "industry": "construction",
        "max_overdue_days": 60,
        "overdue_invoice_count": 5,
        "outstanding_balance": 300_000,
    },
}
DORMANT = (
    '\nrule dormant "Enforcement on a thousand records"\n'
    "  when enforcement_records > 1000\n"
    "  then add 1\n"
)


def published_source(database: Database) -> str:
    with database.transaction() as session:
        return specs.find_row(session, SpecKind.RULESET, "credit").source


def stricter(source: str) -> str:
    """Moderate overdue adds 30 instead of 15, high starts at 40, plus a rule that never fires."""
    changed = (
        source.replace("when max_overdue_days between 31 and 90\n  then add 15", "X")
        .replace("X", "when max_overdue_days between 31 and 90\n  then add 30")
        .replace("high when score >= 60", "high when score >= 40")
        .replace("\ntiers\n", DORMANT + "\ntiers\n")
    )
    assert changed.count("then add 30") == 2 and "score >= 40" in changed
    return changed


def portfolio(database: Database) -> None:
    for ref, data in PORTFOLIO.items():
        upsert(database, ref, data, terms={"credit_limit": 1_000_000, "payment_terms_days": 60})


def draft(database: Database, source: str) -> None:
    with database.transaction() as session:
        save_draft(session, SpecKind.RULESET, "credit", source, actor="ana", now=NOW)


def simulate(
    database: Database, *, as_of: date | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> int:
    with database.transaction() as session:
        job = start_simulation(
            session, "credit", as_of=as_of, actor="ana", now=NOW, scope=None, chunk_size=chunk_size
        )
        assert job.id is not None
        job_id = job.id
    while run_due_chunks(database, now=LATER, worker="test", job_id=job_id).claimed:
        pass
    return job_id


def result_of(database: Database, job_id: int) -> dict[str, Any]:
    with database.transaction() as session:
        view = simulation_view(session, job_id, scope=None)
    assert view.status == "done", view.error
    assert (view.done, view.total) == (4, 4)
    assert view.result is not None
    return dict(view.result)


def test_the_matrix_exposure_cases_and_rule_counts_on_a_crafted_portfolio(
    workspace: Database,
) -> None:
    portfolio(workspace)
    draft(workspace, stricter(published_source(workspace)))
    result = result_of(workspace, simulate(workspace, chunk_size=3))  # two chunks
    assert result["customers"] == 4
    assert result["tiers"] == ["high", "medium", "low"]
    assert result["matrix"] == [
        {"from_tier": "high", "to_tier": "high", "customers": 1, "exposure": 900_000},
        {"from_tier": "medium", "to_tier": "high", "customers": 1, "exposure": 300_000},
        {"from_tier": "low", "to_tier": "medium", "customers": 1, "exposure": 200_000},
        {"from_tier": "low", "to_tier": "low", "customers": 1, "exposure": 100_000},
    ]
    assert result["exposure_moves"] == [
        {"from_tier": "medium", "to_tier": "high", "customers": 1, "exposure": 300_000},
        {"from_tier": "low", "to_tier": "medium", "customers": 1, "exposure": 200_000},
    ]
    assert result["movers"] == 2
    # D becomes high: the review would open for it (C is high already under both)
    assert result["cases"] == [
        {"workflow": "high_risk_review", "label": "High-risk credit review", "cases": 1}
    ]
    by_id = {r["id"]: r for r in result["rules"]}
    assert by_id["moderate_overdue"] == {
        "id": "moderate_overdue",
        "label": "Overdue 31 to 90 days",
        "published": 2,
        "draft": 2,
        "change": 0,
    }
    assert (by_id["dormant"]["published"], by_id["dormant"]["draft"]) == (0, 0)
    assert (by_id["severe_overdue"]["published"], by_id["severe_overdue"]["draft"]) == (1, 1)
    never = [r["id"] for r in result["checks"]["never_fired"]]
    assert "dormant" in never and "moderate_overdue" not in never
    assert result["checks"]["monotonicity"] == []


def test_movers_carry_the_rules_that_moved_them_and_page_with_filters(
    workspace: Database,
) -> None:
    portfolio(workspace)
    draft(workspace, stricter(published_source(workspace)))
    job_id = simulate(workspace)
    with workspace.transaction() as session:
        first = list_movers(session, job_id, scope=None, limit=1)
        assert first.next_cursor is not None
        second = list_movers(session, job_id, scope=None, limit=1, cursor=first.next_cursor)
        to_high = list_movers(session, job_id, scope=None, to_tier="high")
        from_low = list_movers(session, job_id, scope=None, from_tier="low", to_tier="medium")
    assert second.next_cursor is None
    movers = [*first.items, *second.items]
    assert [(m.customer_ref, m.from_tier, m.to_tier) for m in movers] == [
        ("C-B", "low", "medium"),
        ("C-D", "medium", "high"),
    ]
    b, d = movers
    assert (b.from_score, b.to_score, b.exposure) == (20, 35, 200_000)
    assert (d.from_score, d.to_score, d.exposure) == (30, 45, 300_000)
    # the same rule fires, with 30 points instead of 15
    assert b.points_changed == (
        {
            "id": "moderate_overdue",
            "label": "Overdue 31 to 90 days",
            "from_points": 15,
            "to_points": 30,
        },
    )
    assert b.started_firing == () and b.stopped_firing == ()
    assert [m.customer_ref for m in to_high.items] == ["C-D"]
    assert [m.customer_ref for m in from_low.items] == ["C-B"]


def counts(database: Database) -> dict[str, int]:
    with database.transaction() as session:
        found = {
            table.__name__: session.exec(select(func.count()).select_from(table)).one()
            for table in (Customer, Assessment, Case, Alert, Event)
        }
        found["audit"] = session.exec(
            select(func.count())
            .select_from(AuditEntry)
            .where(~col(AuditEntry.action).startswith("job."))
        ).one()
        return found


def test_nothing_is_written_but_the_simulation(workspace: Database) -> None:
    portfolio(workspace)
    draft(workspace, stricter(published_source(workspace)))
    before = counts(workspace)
    with workspace.transaction() as session:
        tiers = {c.external_ref: (c.tier, c.score) for c in session.exec(select(Customer))}
    job_id = simulate(workspace)
    assert counts(workspace) == before
    with workspace.transaction() as session:
        assert {c.external_ref: (c.tier, c.score) for c in session.exec(select(Customer))} == tiers
        movers = session.exec(
            select(func.count())
            .select_from(SimulationMover)
            .where(SimulationMover.job_id == job_id)
        ).one()
        actions = list(
            session.exec(
                select(AuditEntry.action)
                .where(col(AuditEntry.action).startswith("job."))
                .order_by(col(AuditEntry.id))
            )
        )
    assert movers == 2
    assert actions == ["job.started", "job.finished"]


def lawsuit(database: Database, ref: str, day: str) -> None:
    with database.transaction() as session:
        record_event(
            session,
            ref,
            EventInput(kind="lawsuit", occurred_at=day, payload={"role": "defendant"}),
            actor="feed",
            now=NOW,
            tz=UTC,
        )


def test_an_event_after_as_of_does_not_count(workspace: Database) -> None:
    portfolio(workspace)
    for day in ("2026-01-10", "2026-03-10", "2026-11-20"):
        lawsuit(workspace, "C-A", day)
    draft(workspace, stricter(published_source(workspace)))
    today = {r["id"]: r for r in result_of(workspace, simulate(workspace))["rules"]}
    past = result_of(workspace, simulate(workspace, as_of=date(2026, 10, 1)))
    before = {r["id"]: r for r in past["rules"]}
    assert (today["lawsuits"]["published"], today["lawsuits"]["draft"]) == (1, 1)
    # on 1 October only two lawsuits had occurred: the third lies ahead, for both versions
    assert (before["lawsuits"]["published"], before["lawsuits"]["draft"]) == (0, 0)
    assert past["as_of"] == "2026-10-01"


BROKEN = '\nrule barely_overdue "Barely overdue"\n  when max_overdue_days < 30\n  then add 50\n'


def test_a_rule_that_lowers_the_score_as_overdue_days_grow_is_a_counterexample(
    workspace: Database,
) -> None:
    portfolio(workspace)
    source = published_source(workspace).replace("\ntiers\n", BROKEN + "\ntiers\n")
    draft(workspace, source)
    checks = result_of(workspace, simulate(workspace))["checks"]
    (violation,) = checks["monotonicity"]
    # C-A (0 days: +50, a guarantee: -10) raised to 60 days (another customer's value) loses the
    # 50 points and gains the 15 of a moderate overdue: the seeded draw is the same every run
    assert violation == {
        "field": "max_overdue_days",
        "direction": "up",
        "violations": 2,
        "customer_ref": "C-A",
        "from_value": 0,
        "to_value": 60,
        "from_score": 40,
        "to_score": 5,
        "from_tier": "medium",
        "to_tier": "low",
    }
    tested = {t["field"]: t for t in checks["monotonicity_tested"]}
    assert tested["max_overdue_days"] == {
        "field": "max_overdue_days",
        "direction": "up",
        "pairs": 13,
    }
    # no customer of this portfolio has a value to raise
    assert tested["years_in_business"] == {
        "field": "years_in_business",
        "direction": "down",
        "pairs": 0,
    }


def test_a_draft_with_errors_or_no_draft_is_refused(workspace: Database) -> None:
    portfolio(workspace)
    with workspace.transaction() as session, pytest.raises(NotFoundError) as missing:
        start_simulation(session, "credit", actor="ana", now=NOW, scope=None)
    assert missing.value.detail == "there is no draft of ruleset 'credit'"
    draft(workspace, published_source(workspace).replace("max_overdue_days > 90", "nope > 90"))
    with workspace.transaction() as session, pytest.raises(InvalidRequestError) as bad:
        start_simulation(session, "credit", actor="ana", now=NOW, scope=None)
    assert bad.value.detail == "the draft of ruleset 'credit' has 1 error(s): correct them first"


def test_a_caller_scoped_to_departments_can_neither_start_nor_read_a_simulation(
    workspace: Database,
) -> None:
    portfolio(workspace)
    draft(workspace, stricter(published_source(workspace)))
    with workspace.transaction() as session, pytest.raises(PermissionDeniedError) as refused:
        start_simulation(session, "credit", actor="ana", now=NOW, scope=frozenset({"east"}))
    assert "whole portfolio" in refused.value.detail
    job_id = simulate(workspace)
    with workspace.transaction() as session, pytest.raises(PermissionDeniedError):
        simulation_view(session, job_id, scope=frozenset({"east"}))
    with workspace.transaction() as session, pytest.raises(PermissionDeniedError):
        list_movers(session, job_id, scope=frozenset())


def test_a_simulation_in_progress_has_no_result_yet(workspace: Database) -> None:
    portfolio(workspace)
    draft(workspace, stricter(published_source(workspace)))
    with workspace.transaction() as session:
        job = start_simulation(session, "credit", actor="ana", now=NOW, scope=None, chunk_size=2)
        assert job.id is not None
        job_id = job.id
    run_due_chunks(workspace, now=LATER, worker="test", job_id=job_id, limit=1)
    with workspace.transaction() as session:
        view = simulation_view(session, job_id, scope=None)
    assert (view.status, view.done, view.total, view.result) == ("running", 2, 4, None)


def test_the_latest_result_of_a_source_is_found_by_its_checksum(workspace: Database) -> None:
    portfolio(workspace)
    source = stricter(published_source(workspace))
    draft(workspace, source)
    with workspace.transaction() as session:
        assert (
            latest_result(session, "credit", checksum=specs.checksum_of(source), scope=None) is None
        )
    job_id = simulate(workspace)
    with workspace.transaction() as session:
        found = latest_result(session, "credit", checksum=specs.checksum_of(source), scope=None)
        other = latest_result(session, "credit", checksum="0" * 64, scope=None)
    assert found == result_of(workspace, job_id) and other is None
