"""Rescoring the portfolio: the bulk path acts exactly as single updates would (the same
assessments, alerts, audit rows and cases), writes nothing for unchanged customers, and a rescore
job scores every customer once on the published version — on both backends."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, func, select

from engine import audit, jobs
from engine.customer_list import list_customers
from engine.customer_query import CustomerQuery
from engine.db import Database
from engine.errors import InvalidRequestError, NotFoundError
from engine.evaluation import assess_customer
from engine.job_kinds import run_due_chunks
from engine.models import Alert, Assessment, AuditEntry, Case, Customer, CustomerFlag, JobStatus
from engine.rescore_bulk import rescore_range
from engine.rescoring import get_rescore, list_rescores, start_rescore
from tests.engine.conftest import HEALTHY, NOW, RISKY, upsert
from tests.engine.portfolio_seed import (
    publish_edited_ruleset,
    publish_stricter_ruleset,
    seed_portfolio,
)

# Four months on: overdue invoices leave their 90-day window, so some customers move.
LATER = NOW + timedelta(days=120)
N = 30


class _RolledBack(Exception):
    """Raised to leave a transaction without committing it."""


def _state(session: Session, since_assessment: int, since_audit: int) -> dict[str, Any]:
    """What the rescoring wrote after the given ids, in a form both paths can be compared on."""
    assessments = session.exec(
        select(Assessment)
        .where(col(Assessment.id) > since_assessment)
        .order_by(col(Assessment.customer_id))
    ).all()
    customers = session.exec(select(Customer).order_by(col(Customer.id))).all()
    alerts = session.exec(select(Alert).order_by(col(Alert.id))).all()
    audit = session.exec(select(AuditEntry).where(col(AuditEntry.id) > since_audit)).all()
    cases = session.exec(select(Case)).all()
    return {
        "assessments": [
            (
                a.customer_id,
                a.ruleset_key,
                a.ruleset_version,
                a.as_of,
                a.score,
                a.tier,
                a.previous_tier,
                a.result,
                {**(a.change or {}), "previous_assessment_id": None},
            )
            for a in assessments
        ],
        "customers": [
            (c.id, c.score, c.tier, c.tier_rank, c.row_version, c.assessed_at) for c in customers
        ],
        "flags": sorted((f.customer_id, f.flag) for f in session.exec(select(CustomerFlag))),
        "alerts": Counter((a.customer_id, a.rule, a.message, a.status) for a in alerts),
        "audit": Counter((e.action, e.entity_id, e.actor) for e in audit),
        "cases": Counter((c.customer_id, c.workflow_key, c.step) for c in cases),
    }


def _marks(session: Session) -> tuple[int, int]:
    return (
        session.exec(select(func.max(Assessment.id))).one() or 0,
        session.exec(select(func.max(AuditEntry.id))).one() or 0,
    )


def _single_updates(database: Database, *, now: datetime) -> dict[str, Any]:
    state: dict[str, Any] = {}
    with pytest.raises(_RolledBack), database.transaction() as session:
        marks = _marks(session)
        for customer in session.exec(select(Customer).order_by(col(Customer.id))).all():
            assess_customer(session, customer, actor="rescorer", now=now, tz=UTC)
        state = _state(session, *marks)
        raise _RolledBack
    return state


def _bulk(database: Database, *, now: datetime, keep: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {}
    with database.transaction() as session:
        marks = _marks(session)
        first, last = session.exec(select(func.min(Customer.id), func.max(Customer.id))).one()
        assert first is not None and last is not None
        outcome = rescore_range(
            session,
            first_id=first,
            last_id=last,
            as_of=now.astimezone(UTC).date(),
            actor="rescorer",
            now=now,
            tz=UTC,
        )
        state = _state(session, *marks) | {"outcome": outcome}
        if not keep:
            session.rollback()
    return state


def test_bulk_rescore_writes_what_single_updates_write(workspace: Database) -> None:
    seed_portfolio(workspace, N, now=NOW)
    single = _single_updates(workspace, now=LATER)
    bulk = _bulk(workspace, now=LATER)
    outcome = bulk.pop("outcome")
    assert 0 < len(single["assessments"]) < N  # some customers moved, some did not
    assert bulk == single
    assert outcome.scored == N and outcome.changed == len(single["assessments"])
    assert outcome.tier_changes == dict(
        Counter((a[6], a[5]) for a in single["assessments"] if a[6] != a[5])
    )


def test_bulk_rescore_of_unchanged_customers_writes_nothing(workspace: Database) -> None:
    seed_portfolio(workspace, 10, now=NOW)
    first = _bulk(workspace, now=LATER, keep=True)
    assert first["outcome"].changed > 0
    again = _bulk(workspace, now=LATER + timedelta(hours=1))
    assert again["outcome"].changed == 0 and again["assessments"] == []
    assert sum(again["audit"].values()) == 0


def test_a_new_version_rescores_every_customer_once_and_opens_each_case_once(
    workspace: Database, tmp_path: Path
) -> None:
    seed_portfolio(workspace, N, now=NOW)
    publish_stricter_ruleset(workspace, tmp_path, now=LATER)
    with workspace.transaction() as session:
        cases_before = session.exec(select(func.count()).select_from(Case)).one()
        job = start_rescore(session, actor="cfo", now=LATER, reason="publish", chunk_size=7)
        job_id = job.id
    assert job_id is not None
    for _ in range(3):  # more passes than needed: a done job takes no more work
        run_due_chunks(workspace, now=LATER, worker="w1", tz=UTC, limit=2)
        run_due_chunks(workspace, now=LATER, worker="w2", tz=UTC, limit=3)
    with workspace.transaction() as session:
        view = get_rescore(session, job_id)
        on_new = session.exec(
            select(Assessment.customer_id, func.count())
            .where(Assessment.ruleset_version == 2)
            .group_by(col(Assessment.customer_id))
        ).all()
        cases_after = session.exec(select(func.count()).select_from(Case)).one()
        moves = Counter(
            session.exec(
                select(Assessment.previous_tier, Assessment.tier).where(
                    Assessment.ruleset_version == 2,
                    col(Assessment.previous_tier) != col(Assessment.tier),
                )
            ).all()
        )
        open_per_customer = session.exec(
            select(Case.customer_id, func.count())
            .where(Case.status == "open")
            .group_by(col(Case.customer_id))
        ).all()
    assert (view.status, view.done, view.total) == (JobStatus.DONE, N, N)
    assert view.changed == N and view.as_of == LATER.date() and view.reason == "publish"
    assert sorted(count for _, count in on_new) == [1] * N
    assert {(c.from_tier, c.to_tier): c.customers for c in view.tier_changes} == moves
    assert moves[("medium", "high")] > 0  # the stricter ruleset raised some
    assert view.cases_opened == cases_after - cases_before > 0
    assert all(count == 1 for _, count in open_per_customer)
    with workspace.transaction() as session:
        change = session.exec(
            select(Assessment.change).where(Assessment.ruleset_version == 2)
        ).first()
        # the rows appended in batches keep the audit chain intact
        assert audit.verify_chain(session) is None
    assert change is not None and change["ruleset_version"] == {"from": 1, "to": 2}
    assert change["en"]["summary"].endswith(" (ruleset version 1 → 2)")

    # the same rescore again: nothing moved, nothing written
    with workspace.transaction() as session:
        again = start_rescore(session, actor="cfo", now=LATER, chunk_size=50)
        again_id = again.id
    assert again_id is not None
    run_due_chunks(workspace, now=LATER, worker="w1", tz=UTC)
    with workspace.transaction() as session:
        second = get_rescore(session, again_id)
        page = list_rescores(session, limit=1)
    assert (second.status, second.done, second.changed, second.cases_opened) == ("done", N, 0, 0)
    assert [item.id for item in page.items] == [again_id] and page.next_cursor is not None


def test_as_of_is_fixed_when_the_job_starts_in_the_workspace_zone(
    workspace: Database, tmp_path: Path
) -> None:
    seed_portfolio(workspace, 3, now=NOW)
    publish_stricter_ruleset(workspace, tmp_path, now=NOW)  # every customer gets a new row
    shanghai = ZoneInfo("Asia/Shanghai")
    late = datetime(2027, 3, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 March in Shanghai
    with workspace.transaction() as session:
        job = jobs.start_job(
            session,
            kind="rescore",
            params={"as_of": None, "reason": "publish"},
            actor="cfo",
            now=late,
            tz=shanghai,
        )
        job_id = job.id
        assert job.params == {"as_of": "2027-03-02", "reason": "publish"}
    assert job_id is not None
    # processed days later: still scored as of the day it started
    run_due_chunks(workspace, now=late + timedelta(days=3), worker="w", tz=shanghai)
    with workspace.transaction() as session:
        dates = set(
            session.exec(select(col(Assessment.as_of)).where(Assessment.created_at > NOW)).all()
        )
        assert get_rescore(session, job_id).status == "done"
    assert dates == {date(2027, 3, 2)}


def test_a_past_as_of_counts_only_the_events_by_then(workspace: Database) -> None:
    seed_portfolio(workspace, N, now=NOW)
    with workspace.transaction() as session:
        windowed = {
            a.customer_id
            for a in session.exec(select(Assessment)).all()
            if any(f["id"] == "overdue_amount" for f in a.result["fired"])
        }
        job = start_rescore(session, actor="cfo", now=LATER, as_of=date(2025, 1, 1))
        job_id = job.id
    assert job_id is not None
    run_due_chunks(workspace, now=LATER, worker="w", tz=UTC)
    with workspace.transaction() as session:
        rows = session.exec(select(Assessment).where(Assessment.as_of == date(2025, 1, 1))).all()
    # no event had occurred by then: the event-window rule fires for no one
    assert windowed and windowed <= {a.customer_id for a in rows}
    assert not any(f["id"] == "overdue_amount" for a in rows for f in a.result["fired"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"as_of": "tomorrow", "reason": "x"}, "as_of: expected a date as YYYY-MM-DD"),
        ({"as_of": None, "reason": ""}, "reason: expected a text of 1 to 200 characters"),
        ({"as_of": None, "reason": "x", "ruleset": 3}, "a rescore takes as_of and reason"),
    ],
)
def test_bad_rescore_params_are_refused_and_nothing_is_stored(
    workspace: Database, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught, workspace.transaction() as session:
        jobs.start_job(session, kind="rescore", params=params, actor="cfo", now=NOW)
    assert caught.value.detail.startswith(message)
    with workspace.transaction() as session:
        assert list_rescores(session).items == ()
        with pytest.raises(NotFoundError):
            get_rescore(session, 1)


def _publish_four_tiers(database: Database, tmp_path: Path, *, now: datetime) -> None:
    """The example template again as 1.1.0, its ruleset (version 2) with a fourth tier,
    `elevated` from 45 points between high and medium, and the order drop flagged
    `orders_down`."""
    edits = [
        ("flag order_drop", "flag orders_down"),
        ("  medium when score >= 30", "  elevated when score >= 45\n  medium when score >= 30"),
    ]
    publish_edited_ruleset(database, tmp_path, edits, now=now, name="four_tiers")


def test_a_new_ruleset_with_other_tiers_reranks_and_reflags_customers_on_rescore(
    workspace: Database, tmp_path: Path
) -> None:
    risky = {**HEALTHY, "max_overdue_days": 120, "has_guarantee": False}
    upsert(workspace, "H1", RISKY)  # high
    upsert(workspace, "E1", {**risky, "industry": "construction", "order_volume_change_pct": -60})
    upsert(workspace, "L1", HEALTHY)  # low

    def ranks() -> dict[str, tuple[str | None, int | None, set[str]]]:
        with workspace.transaction() as session:
            flags: dict[int, set[str]] = {}
            for row in session.exec(select(CustomerFlag)):
                flags.setdefault(row.customer_id, set()).add(row.flag)
            return {
                c.external_ref: (c.tier, c.tier_rank, flags.get(c.id or 0, set()))
                for c in session.exec(select(Customer))
            }

    def by_tier() -> list[str]:
        query = CustomerQuery(sort="tier", direction="desc")
        with workspace.transaction() as session:
            return [c.ref for c in list_customers(session, query=query).items]

    before = ranks()
    # version 1 declares high, medium, low: E1's 45 points are medium
    assert before == {
        "H1": ("high", 3, {"incomplete_profile"}),
        "E1": ("medium", 2, {"incomplete_profile", "order_drop"}),
        "L1": ("low", 1, {"incomplete_profile"}),
    }
    _publish_four_tiers(workspace, tmp_path, now=LATER)
    # publishing scores nobody: each customer keeps the rank its last scoring gave
    assert ranks() == before
    _bulk(workspace, now=LATER, keep=True)
    assert ranks() == {
        "H1": ("high", 4, {"incomplete_profile"}),
        "E1": ("elevated", 3, {"incomplete_profile", "orders_down"}),  # lost one, gained one
        "L1": ("low", 1, {"incomplete_profile"}),
    }
    assert by_tier() == ["H1", "E1", "L1"]
    with workspace.transaction() as session:
        flagged = list_customers(session, query=CustomerQuery(flag="orders_down")).items
        dropped = list_customers(session, query=CustomerQuery(flag="order_drop")).items
    assert [c.ref for c in flagged] == ["E1"] and dropped == ()
