"""Timer sweeps: escalate on time, exactly once across sweeps and workers, safe across crashes."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlmodel import col, select

from engine import audit
from engine.cases import get_case, take_action
from engine.db import Database
from engine.models import AuditEntry, Case, CaseTransition, Timer
from engine.scheduler import SWEEP_JOB_ID, start_scheduler
from engine.settings import Settings
from engine.timers import CLAIM_EXPIRY, claim_due_timers, fire_timer, sweep
from engine.views import SweepReport
from tests.engine.conftest import NOW, RISKY, upsert

H25 = NOW + timedelta(hours=25)


def _open_case(database: Database) -> int:
    return upsert(database, "C002", RISKY).cases_opened[0]


def _escalations(database: Database, case_id: int) -> list[CaseTransition]:
    with database.transaction() as session:
        return list(
            session.exec(
                select(CaseTransition).where(
                    CaseTransition.case_id == case_id, CaseTransition.reason == "escalation"
                )
            )
        )


def test_nothing_is_due_before_the_sla(workspace: Database) -> None:
    _open_case(workspace)
    report = sweep(workspace, now=NOW + timedelta(hours=23), worker="w1")
    assert report == SweepReport(claimed=0, fired=0, failed=0)


def test_sweep_after_25h_escalates_to_department_head_once(workspace: Database) -> None:
    case_id = _open_case(workspace)
    assert sweep(workspace, now=H25, worker="w1") == SweepReport(claimed=1, fired=1, failed=0)
    assert sweep(workspace, now=H25, worker="w1") == SweepReport(claimed=0, fired=0, failed=0)
    assert sweep(workspace, now=H25 + timedelta(hours=1), worker="w2").fired == 0
    with workspace.transaction() as session:
        case = get_case(session, case_id, roles=["department_head"])
        escalated = session.exec(
            select(AuditEntry).where(AuditEntry.action == "case.escalated")
        ).all()
        assert audit.verify_chain(session) is None
    assert case.assigned_role == "department_head"
    assert case.escalation_level == 1
    assert case.step == "sales_review"
    assert case.available_actions  # the department head may act now
    (row,) = _escalations(workspace, case_id)
    assert (row.actor, row.assigned_role, row.at) == ("system", "department_head", H25)
    assert len(escalated) == 1


def test_second_escalation_goes_to_cfo_after_72h(workspace: Database) -> None:
    case_id = _open_case(workspace)
    report = sweep(workspace, now=NOW + timedelta(hours=73), worker="w1")
    assert report.fired == 2
    with workspace.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert (case.assigned_role, case.escalation_level) == ("cfo", 2)


def test_a_timer_claimed_by_one_worker_is_not_taken_by_another(workspace: Database) -> None:
    case_id = _open_case(workspace)
    claimed = claim_due_timers(workspace, now=H25, worker="w1")
    assert len(claimed) == 1
    assert claim_due_timers(workspace, now=H25, worker="w2") == []
    assert sweep(workspace, now=H25, worker="w2").claimed == 0
    assert fire_timer(workspace, claimed[0], now=H25, worker="w1") is True
    assert fire_timer(workspace, claimed[0], now=H25, worker="w1") is False
    assert len(_escalations(workspace, case_id)) == 1


def test_two_workers_sweeping_at_once_fire_a_timer_once(workspace: Database) -> None:
    case_id = _open_case(workspace)
    reports: list[SweepReport] = []
    barrier = threading.Barrier(2)

    def run(worker: str) -> None:
        barrier.wait()
        reports.append(sweep(workspace, now=H25, worker=worker))

    threads = [threading.Thread(target=run, args=(w,)) for w in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.fired for r in reports) == [0, 1]
    assert len(_escalations(workspace, case_id)) == 1


def test_a_crashed_workers_claim_is_retaken_after_it_expires(workspace: Database) -> None:
    case_id = _open_case(workspace)
    (timer_id,) = claim_due_timers(workspace, now=H25, worker="crashed")
    # the worker dies before firing; within the expiry nobody else may take it
    assert sweep(workspace, now=H25 + CLAIM_EXPIRY - timedelta(seconds=1), worker="w2").claimed == 0
    later = H25 + CLAIM_EXPIRY + timedelta(seconds=1)
    assert sweep(workspace, now=later, worker="w2") == SweepReport(claimed=1, fired=1, failed=0)
    # the crashed worker, coming back, finds its claim gone
    assert fire_timer(workspace, timer_id, now=later, worker="crashed") is False
    assert len(_escalations(workspace, case_id)) == 1
    with workspace.transaction() as session:
        timer = session.get(Timer, timer_id)
        assert timer is not None
        assert (timer.claimed_by, timer.fired_at) == ("w2", later)


def test_a_failing_timer_is_released_and_given_up_after_max_attempts(
    workspace: Database,
) -> None:
    case_id = _open_case(workspace)
    with workspace.transaction() as session:
        timer = session.exec(select(Timer).order_by(col(Timer.due_at))).first()
        assert timer is not None
        timer.payload = {"level": "not a level", "step": "sales_review"}
        session.add(timer)
        timer_id = timer.id
    first = sweep(workspace, now=H25, worker="w1", max_attempts=2)
    assert first == SweepReport(claimed=1, fired=0, failed=1)
    with workspace.transaction() as session:
        timer = session.get(Timer, timer_id)
        assert timer is not None
        assert (timer.attempts, timer.claimed_by, timer.cancelled_at) == (1, None, None)
        assert timer.last_error
    assert sweep(workspace, now=H25, worker="w1", max_attempts=2).failed == 1
    assert sweep(workspace, now=H25, worker="w1", max_attempts=2).claimed == 0
    with workspace.transaction() as session:
        timer = session.get(Timer, timer_id)
        assert timer is not None
        assert timer.attempts == 2 and timer.cancelled_at == H25
        given_up = session.exec(
            select(AuditEntry).where(AuditEntry.action == "timer.given_up")
        ).one()
        assert given_up.detail["case_id"] == case_id
        # scoped to the case's customer, so that department's auditors see it
        assert (given_up.customer_ref, given_up.department) == ("C002", "east")
        assert audit.verify_chain(session) is None


def test_timers_of_a_left_step_are_cancelled(workspace: Database) -> None:
    case_id = _open_case(workspace)
    with workspace.transaction() as session:
        take_action(
            session,
            case_id,
            "propose_terms",
            actor="sam",
            roles=["sales_manager"],
            now=NOW + timedelta(hours=1),
        )
    report = sweep(workspace, now=H25, worker="w1")
    assert report.fired == 0
    with workspace.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.assigned_role == "finance_head"


def test_the_scheduler_runs_sweeps_without_overlap(database: Database) -> None:
    scheduler = start_scheduler(database, Settings(sweep_interval_seconds=3600))
    try:
        job = scheduler.get_job(SWEEP_JOB_ID)
        assert job is not None
        assert job.coalesce is True and job.max_instances == 1
        assert job.trigger.interval == timedelta(seconds=3600)
        assert job.func() == SweepReport(claimed=0, fired=0, failed=0)
    finally:
        scheduler.shutdown(wait=False)
