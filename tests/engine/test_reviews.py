"""Periodic reviews: a `start_reviews` schedule queues a run that opens a `review_due` case for each
customer whose next_review_at has come, once across ticks and workers (engine.reviews)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from engine.background import sweep
from engine.db import Database
from engine.errors import InvalidRequestError
from engine.job_kinds import HANDLERS
from engine.jobs import run_jobs
from engine.models import Case, Customer, Job
from engine.reviews import KIND, review_params, start_reviews
from engine.templates import import_template
from tests.conftest import MECHANICS_TEMPLATE
from tests.engine.conftest import HEALTHY, NOW, RISKY, upsert

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROLES = ("sales", "sales_manager", "department_head", "finance_head", "legal", "cfo", "admin")
# 06:00 in Shanghai on 29 November: the first firing of "0 6 * * *" after NOW (28 Nov, 17:00 there)
MORNING = datetime(2026, 11, 29, 6, 0, tzinfo=SHANGHAI)

REVIEW = """\
workflow: periodic_review
label: {en: Periodic review, zh: 定期复核}
trigger: {on: review_due}
start: look
steps:
  look:
    assignee: {role: sales_manager}
    sla: 48h
    actions:
      done: {to: closed}
"""


@pytest.fixture
def reviewing(database: Database, tmp_path: Path) -> Database:
    return _import_reviewing(database, tmp_path, REVIEW)


def reviewing_bundle(tmp_path: Path, review: str) -> Path:
    """The mechanics template copied under `tmp_path`, with a `start_reviews` schedule at 06:00
    instead of its nightly rescore, and the workflow `review` beside high_risk_review."""
    bundle = tmp_path / "bundle"
    shutil.copytree(MECHANICS_TEMPLATE, bundle)
    (bundle / "workflows" / "periodic_review.yaml").write_text(review, encoding="utf-8")
    template = bundle / "template.yaml"
    text = template.read_text(encoding="utf-8")
    for old, new in (
        (
            '{id: nightly_rescore, cron: "0 2 * * *", action: rescore_all}',
            '{id: morning_reviews, cron: "0 6 * * *", action: start_reviews}',
        ),
        (
            "workflows: [workflows/high_risk_review.yaml, workflows/order_hold_review.yaml]",
            "workflows: [workflows/high_risk_review.yaml, workflows/periodic_review.yaml]",
        ),
    ):
        assert old in text
        text = text.replace(old, new)
    template.write_text(text, encoding="utf-8")
    return bundle


def _import_reviewing(database: Database, tmp_path: Path, review: str) -> Database:
    """The reviewing bundle imported with Shanghai as the workspace time zone."""
    bundle = reviewing_bundle(tmp_path, review)
    with database.transaction() as session:
        import_template(
            session, bundle, actor="admin", now=NOW, base_currency="CNY", timezone="Asia/Shanghai"
        )
    return database


def _customer(database: Database, ref: str, next_review_at: str | None) -> None:
    terms = {"next_review_at": next_review_at} if next_review_at else None
    upsert(database, ref, {**HEALTHY, "name": ref}, terms=terms)


def _review_cases(database: Database) -> dict[str, list[Case]]:
    with database.transaction() as session:
        rows = session.exec(
            select(Customer.external_ref, Case)
            .join(Case, col(Case.customer_id) == col(Customer.id))
            .where(Case.workflow_key == "periodic_review")
            .order_by(col(Case.id))
        ).all()
    found: dict[str, list[Case]] = {}
    for ref, case in rows:
        found.setdefault(ref, []).append(case)
    return found


def test_a_customer_due_gets_one_review_case_across_two_ticks_and_two_workers(
    reviewing: Database,
) -> None:
    _customer(reviewing, "due-today", "2026-11-29")
    _customer(reviewing, "overdue", "2026-10-01")
    _customer(reviewing, "due-later", "2026-11-30")
    _customer(reviewing, "never", None)

    first = sweep(reviewing, now=MORNING.astimezone(UTC), worker="a", tz=SHANGHAI)
    again = sweep(reviewing, now=MORNING.astimezone(UTC) + timedelta(minutes=1), worker="b")

    assert (first.schedules, again.schedules) == (1, 0)
    cases = _review_cases(reviewing)
    assert sorted(cases) == ["due-today", "overdue"]
    assert [len(c) for c in cases.values()] == [1, 1]
    assert cases["due-today"][0].context["reasons"] == [
        {"trigger": "review_due", "due": "2026-11-29"}
    ]
    assert cases["overdue"][0].context["reasons"] == [
        {"trigger": "review_due", "due": "2026-10-01"}
    ]
    assert cases["due-today"][0].step == "look"

    # the next morning, worker b: the schedule fires again; due-today's case is still open
    # (dedupe), due-later's review has come
    next_day = sweep(
        reviewing, now=MORNING.astimezone(UTC) + timedelta(days=1), worker="b", tz=SHANGHAI
    )

    assert next_day.schedules == 1
    cases = _review_cases(reviewing)
    assert {ref: len(c) for ref, c in cases.items()} == {
        "due-today": 1,
        "overdue": 1,
        "due-later": 1,
    }
    with reviewing.transaction() as session:
        runs = session.exec(select(Job).where(Job.kind == KIND).order_by(col(Job.id))).all()
    assert [(j.status, j.params, j.result) for j in runs] == [
        ("done", {"due": "2026-11-29"}, {"due": 2, "cases_opened": 2}),
        ("done", {"due": "2026-11-30"}, {"due": 3, "cases_opened": 1}),
    ]


def test_two_runs_the_same_day_open_one_case_per_customer(reviewing: Database) -> None:
    for n in range(5):
        _customer(reviewing, f"c{n}", "2026-11-28")
    with reviewing.transaction() as session:
        start_reviews(session, actor="admin", now=NOW, tz=SHANGHAI, chunk_size=2)
    with reviewing.transaction() as session:
        start_reviews(session, actor="admin", now=NOW, tz=SHANGHAI, chunk_size=3)

    # two workers take the chunks of both runs, side by side
    while True:
        a = run_jobs(reviewing, handlers=HANDLERS, now=NOW, worker="a", limit=1)
        b = run_jobs(reviewing, handlers=HANDLERS, now=NOW, worker="b", limit=1)
        if a.claimed == b.claimed == 0:
            break
        assert a.failed == b.failed == 0

    assert {ref: len(c) for ref, c in _review_cases(reviewing).items()} == {
        f"c{n}": 1 for n in range(5)
    }


def test_a_run_stopped_halfway_resumes_with_the_chunks_not_done(reviewing: Database) -> None:
    for n in range(4):
        _customer(reviewing, f"c{n}", "2026-11-01")
    with reviewing.transaction() as session:
        job = start_reviews(session, actor="admin", now=NOW, tz=SHANGHAI, chunk_size=2)
        job_id = job.id

    run_jobs(reviewing, handlers=HANDLERS, now=NOW, worker="a", limit=1)
    assert len(_review_cases(reviewing)) == 2
    run_jobs(reviewing, handlers=HANDLERS, now=NOW + timedelta(minutes=1), worker="b", limit=5)

    assert len(_review_cases(reviewing)) == 4
    with reviewing.transaction() as session:
        done = session.get(Job, job_id)
        assert done is not None and done.result == {"due": 4, "cases_opened": 4}


def test_the_guard_reads_the_tier_and_the_date_that_came(
    database: Database, tmp_path: Path
) -> None:
    guarded = REVIEW.replace(
        "trigger: {on: review_due}",
        "trigger: {on: review_due, when: "
        '"assessment.tier == \\"low\\" and review.due == next_review_at"}',
    )
    _import_reviewing(database, tmp_path, guarded)
    _customer(database, "low-due", "2026-11-20")
    upsert(
        database, "high-due", {"name": "high-due", **RISKY}, terms={"next_review_at": "2026-11-20"}
    )
    with database.transaction() as session:
        start_reviews(session, actor="admin", now=NOW)
    run_jobs(database, handlers=HANDLERS, now=NOW, worker="a", limit=5)

    assert sorted(_review_cases(database)) == ["low-due"]


def test_no_review_workflow_means_no_case(database: Database) -> None:
    with database.transaction() as session:
        import_template(session, MECHANICS_TEMPLATE, actor="admin", now=NOW, base_currency="CNY")
    _customer(database, "due", "2026-11-01")
    with database.transaction() as session:
        start_reviews(session, actor="admin", now=NOW)
    run_jobs(database, handlers=HANDLERS, now=NOW, worker="a", limit=5)

    assert _review_cases(database) == {}
    with database.transaction() as session:
        run = session.exec(select(Job).where(Job.kind == KIND)).one()
    assert run.result == {"due": 1, "cases_opened": 0}


def test_the_day_reviewed_is_fixed_in_the_workspace_time_zone() -> None:
    late = datetime(2026, 11, 28, 17, 30, tzinfo=UTC)  # 01:30 on the 29th in Shanghai

    assert review_params({}, now=late, tz=SHANGHAI) == {"due": "2026-11-29"}
    assert review_params({"due": date(2026, 1, 2)}, now=late, tz=UTC) == {"due": "2026-01-02"}
    with pytest.raises(InvalidRequestError):
        review_params({"due": "tomorrow"}, now=late, tz=UTC)
    with pytest.raises(InvalidRequestError):
        review_params({"when": "2026-01-01"}, now=late, tz=UTC)
