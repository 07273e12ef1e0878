"""Template schedules as rows: written by the import, fired by the sweep once across workers and
restarts, a missed night fired once (engine.schedules)."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from engine import audit
from engine.background import sweep
from engine.db import Database
from engine.models import AuditEntry, Job, Schedule
from engine.schedules import (
    CLAIM_EXPIRY,
    SchedulesReport,
    claim_due_schedules,
    fire_schedule,
    list_schedules,
    sweep_schedules,
)
from engine.templates import import_template
from tests.conftest import MECHANICS_TEMPLATE
from tests.engine.conftest import HEALTHY, NOW, upsert

NIGHT = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)  # the first 02:00 after NOW (11-28 09:00)
KEY = "manufacturing_credit"


def _import(database: Database, path: Path = MECHANICS_TEMPLATE, *, now: datetime = NOW) -> None:
    with database.transaction() as session:
        import_template(session, path, actor="admin", now=now, base_currency="CNY", timezone="UTC")


def _bundle(tmp_path: Path, schedules: str) -> Path:
    """The example template with its `schedules:` block replaced by `schedules`."""
    bundle = tmp_path / "bundle"
    shutil.copytree(MECHANICS_TEMPLATE, bundle)
    template = bundle / "template.yaml"
    text = template.read_text(encoding="utf-8")
    old = '  - {id: nightly_rescore, cron: "0 2 * * *", action: rescore_all}\n'
    assert old in text
    template.write_text(text.replace(old, schedules), encoding="utf-8")
    return bundle


def _row(database: Database, schedule_id: str = "nightly_rescore") -> Schedule:
    with database.transaction() as session:
        return session.exec(select(Schedule).where(Schedule.schedule_id == schedule_id)).one()


def _jobs(database: Database) -> list[Job]:
    with database.transaction() as session:
        return list(session.exec(select(Job).order_by(col(Job.id))))


def _audited(database: Database, action: str) -> list[AuditEntry]:
    with database.transaction() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_import_makes_the_templates_schedules_rows(database: Database) -> None:
    _import(database)
    with database.transaction() as session:
        (view,) = list_schedules(session)
    assert (view.template_key, view.id, view.cron, view.action, view.timezone) == (
        KEY,
        "nightly_rescore",
        "0 2 * * *",
        "rescore_all",
        "UTC",
    )
    assert (view.next_fire_at, view.last_fired_at, view.last_error) == (NIGHT, None, None)
    (added,) = _audited(database, "schedule.added")
    assert added.entity_id == f"{KEY}/nightly_rescore"
    assert added.detail["next_fire_at"] == NIGHT.isoformat()


def test_a_schedule_without_a_time_zone_takes_the_workspaces(database: Database) -> None:
    with database.transaction() as session:
        import_template(
            session,
            MECHANICS_TEMPLATE,
            actor="admin",
            now=NOW,
            base_currency="CNY",
            timezone="Asia/Shanghai",
        )
    row = _row(database)
    assert row.timezone == "Asia/Shanghai"
    # 02:00 in Shanghai is 18:00 UTC the day before
    assert row.next_fire_at == datetime(2026, 11, 28, 18, 0, tzinfo=UTC)


def test_a_reimport_keeps_unchanged_updates_changed_and_deactivates_removed_schedules(
    database: Database, tmp_path: Path
) -> None:
    two = _bundle(
        tmp_path,
        '  - {id: nightly_rescore, cron: "0 2 * * *", action: rescore_all}\n'
        '  - {id: weekly, cron: "0 6 * * 1", action: rescore_all, timezone: Asia/Shanghai}\n',
    )
    _import(database, two)
    later = NOW + timedelta(hours=3)
    # the same nightly schedule, the weekly one moved to 07:00, the nightly one removed after
    changed = tmp_path / "changed"
    shutil.copytree(two, changed)
    template = changed / "template.yaml"
    template.write_text(
        template.read_text(encoding="utf-8").replace('"0 6 * * 1"', '"0 7 * * 1"'),
        encoding="utf-8",
    )
    _import(database, changed, now=later)
    assert _row(database).next_fire_at == NIGHT  # unchanged: kept
    weekly = _row(database, "weekly")
    assert weekly.cron == "0 7 * * 1"
    # Monday 2026-11-30 07:00 in Shanghai
    assert weekly.next_fire_at == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
    assert len(_audited(database, "schedule.changed")) == 1

    only_weekly = _bundle(
        tmp_path / "again",
        '  - {id: weekly, cron: "0 7 * * 1", action: rescore_all, timezone: Asia/Shanghai}\n',
    )
    _import(database, only_weekly, now=later)
    assert _row(database).is_active is False
    with database.transaction() as session:
        assert [v.id for v in list_schedules(session)] == ["weekly"]
        assert len(list_schedules(session, include_inactive=True)) == 2
        assert audit.verify_chain(session) is None
    (removed,) = _audited(database, "schedule.removed")
    assert removed.entity_id == f"{KEY}/nightly_rescore"
    # a removed schedule is not due any more
    assert sweep_schedules(database, now=NIGHT, worker="w1") == SchedulesReport(0, 0, 0)


def test_nothing_fires_before_the_time(database: Database) -> None:
    _import(database)
    report = sweep_schedules(database, now=NIGHT - timedelta(seconds=1), worker="w1")
    assert report == SchedulesReport(claimed=0, fired=0, failed=0)
    assert _jobs(database) == []


def test_a_tick_at_the_due_time_fires_once_and_queues_one_rescore_job(database: Database) -> None:
    _import(database)
    upsert(database, "C001", HEALTHY)
    first = sweep(database, now=NIGHT, worker="w1")
    assert first.schedules == 1
    assert sweep(database, now=NIGHT, worker="w1").schedules == 0
    assert sweep(database, now=NIGHT + timedelta(hours=1), worker="w2").schedules == 0
    (job,) = _jobs(database)
    assert (job.kind, job.params, job.created_by, job.total) == (
        "rescore",
        {"as_of": "2026-11-29", "reason": "schedule"},
        "system",
        1,
    )
    row = _row(database)
    assert (row.last_fired_at, row.next_fire_at) == (NIGHT, NIGHT + timedelta(days=1))
    assert (row.claimed_by, row.attempts, row.last_error) == (None, 0, None)
    (fired,) = _audited(database, "schedule.fired")
    assert fired.actor == "system"
    assert fired.detail["due_at"] == NIGHT.isoformat()
    assert fired.detail["outcome"] == {"job_id": job.id}


def test_the_next_night_fires_again(database: Database) -> None:
    _import(database)
    sweep_schedules(database, now=NIGHT, worker="w1")
    with database.transaction() as session:
        for job in session.exec(select(Job)):
            job.status = "done"  # last night's rescore has finished
            session.add(job)
    assert sweep_schedules(database, now=NIGHT + timedelta(days=1), worker="w1").fired == 1
    assert len(_jobs(database)) == 2


def test_a_rescore_still_running_is_not_queued_twice(database: Database) -> None:
    _import(database)
    upsert(database, "C001", HEALTHY)
    sweep_schedules(database, now=NIGHT, worker="w1")
    assert sweep_schedules(database, now=NIGHT + timedelta(days=1), worker="w1").fired == 1
    (job,) = _jobs(database)
    fired = _audited(database, "schedule.fired")
    assert [e.detail["outcome"] for e in fired] == [
        {"job_id": job.id},
        {"job_id": job.id, "already_running": True},
    ]


def test_a_missed_night_fires_once_when_the_server_comes_back(database: Database) -> None:
    _import(database)
    # down from before the first night until three nights later, at 09:00
    back = NIGHT + timedelta(days=3, hours=7)
    assert sweep_schedules(database, now=back, worker="w1").fired == 1
    assert sweep_schedules(database, now=back + timedelta(minutes=1), worker="w1").fired == 0
    assert len(_jobs(database)) == 1
    row = _row(database)
    assert (row.last_fired_at, row.next_fire_at) == (back, NIGHT + timedelta(days=4))


def test_a_schedule_claimed_by_one_worker_is_not_taken_by_another(database: Database) -> None:
    _import(database)
    (row_id,) = claim_due_schedules(database, now=NIGHT, worker="w1")
    assert claim_due_schedules(database, now=NIGHT, worker="w2") == []
    assert fire_schedule(database, row_id, now=NIGHT, worker="w2") is False
    assert fire_schedule(database, row_id, now=NIGHT, worker="w1") is True
    assert fire_schedule(database, row_id, now=NIGHT, worker="w1") is False
    assert len(_jobs(database)) == 1


def test_two_workers_sweeping_at_once_fire_a_schedule_once(database: Database) -> None:
    _import(database)
    reports: list[SchedulesReport] = []
    barrier = threading.Barrier(2)

    def run(worker: str) -> None:
        barrier.wait()
        reports.append(sweep_schedules(database, now=NIGHT, worker=worker))

    threads = [threading.Thread(target=run, args=(w,)) for w in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.fired for r in reports) == [0, 1]
    assert len(_jobs(database)) == 1
    assert len(_audited(database, "schedule.fired")) == 1


def test_a_crashed_workers_claim_is_retaken_after_it_expires(database: Database) -> None:
    _import(database)
    (row_id,) = claim_due_schedules(database, now=NIGHT, worker="crashed")
    soon = NIGHT + CLAIM_EXPIRY - timedelta(seconds=1)
    assert sweep_schedules(database, now=soon, worker="w2").claimed == 0
    later = NIGHT + CLAIM_EXPIRY + timedelta(seconds=1)
    assert sweep_schedules(database, now=later, worker="w2") == SchedulesReport(1, 1, 0)
    assert fire_schedule(database, row_id, now=later, worker="crashed") is False
    assert len(_jobs(database)) == 1


def test_a_failing_action_is_retried_then_that_night_is_skipped(database: Database) -> None:
    _import(database)
    with database.transaction() as session:
        row = session.exec(select(Schedule)).one()
        row.action = "no_such_action"  # as a row written by a newer version might hold
        session.add(row)
    first = sweep_schedules(database, now=NIGHT, worker="w1", max_attempts=2)
    assert first == SchedulesReport(claimed=1, fired=0, failed=1)
    row = _row(database)
    assert (row.attempts, row.claimed_by, row.next_fire_at) == (1, None, NIGHT)
    assert row.last_error == "KeyError: 'no_such_action'"
    assert sweep_schedules(database, now=NIGHT, worker="w1", max_attempts=2).failed == 1
    row = _row(database)
    assert (row.attempts, row.next_fire_at) == (0, NIGHT + timedelta(days=1))
    assert row.last_error == "KeyError: 'no_such_action'"
    assert sweep_schedules(database, now=NIGHT, worker="w1", max_attempts=2).claimed == 0
    (skipped,) = _audited(database, "schedule.skipped")
    assert skipped.detail["due_at"] == NIGHT.isoformat()
    assert _jobs(database) == []
    with database.transaction() as session:
        assert audit.verify_chain(session) is None


def test_a_rescore_fired_at_two_in_shanghai_is_as_of_the_shanghai_date(
    database: Database,
) -> None:
    with database.transaction() as session:
        import_template(
            session,
            MECHANICS_TEMPLATE,
            actor="admin",
            now=NOW,
            base_currency="CNY",
            timezone="Asia/Shanghai",
        )
    two_in_shanghai = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)  # 2026-11-29 02:00 there
    report = sweep_schedules(
        database, now=two_in_shanghai, worker="w1", tz=ZoneInfo("Asia/Shanghai")
    )
    assert report.fired == 1
    (job,) = _jobs(database)
    assert job.params["as_of"] == "2026-11-29"
