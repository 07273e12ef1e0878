"""Publishing a draft: at once, or scheduled and published by the sweep exactly once; audited,
and a published scoring ruleset queues the rescore of the portfolio."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import col, select

from engine import specs
from engine.audit_verify import verify_chain
from engine.db import Database
from engine.drafts import list_versions, save_draft
from engine.errors import ConflictError, InvalidRequestError, NotFoundError
from engine.models import Assessment, AuditEntry, Customer, Job, SpecKind
from engine.publishing import publish_draft, publish_due
from tests.engine.conftest import HEALTHY, NOW, upsert

KEY = "credit"
RULESET = SpecKind.RULESET
NEW_RULE = (
    '\nrule big_balance "Balance above 50,000 CNY"\n'
    "  when outstanding_balance > 50_000\n"
    "  then add 40\n"
)
LATER = NOW + timedelta(days=3)


def draft_with_new_rule(database: Database, *, author: str = "ana") -> str:
    with database.transaction() as session:
        source = specs.find_row(session, RULESET, KEY).source
        draft = save_draft(
            session,
            RULESET,
            KEY,
            source.replace("\ntiers\n", NEW_RULE + "\ntiers\n"),
            actor=author,
            now=NOW,
        )
    return draft.checksum


def actions(database: Database) -> list[str]:
    with database.transaction() as session:
        return [
            a.action
            for a in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
            if a.action.startswith(("spec.", "job."))
        ]


def rescore_jobs(database: Database) -> list[Job]:
    with database.transaction() as session:
        return list(session.exec(select(Job).where(Job.kind == "rescore")))


def test_a_draft_publishes_at_once_and_customers_are_scored_by_it(workspace: Database) -> None:
    upsert(workspace, "C-1", HEALTHY)
    checksum = draft_with_new_rule(workspace)
    with workspace.transaction() as session:
        outcome = publish_draft(
            session,
            RULESET,
            KEY,
            comment="balances above 50k weigh more",
            effective_at=None,
            actor="bo",
            now=NOW,
            expected_checksum=checksum,
        )
    assert (outcome.version, outcome.status, outcome.case_id) == (2, "published", None)
    with workspace.transaction() as session:
        row = specs.find_row(session, RULESET, KEY)
        assert (row.version, row.checksum, row.author) == (2, checksum, "ana")
        assert (row.published_by, row.comment, row.published_at) == (
            "bo",
            "balances above 50k weigh more",
            NOW,
        )
        statuses = [(v.version, v.status) for v in list_versions(session, RULESET, KEY)]
        assert statuses == [(1, "retired"), (2, "published")]
        assert specs.scoring_ruleset(session).version == 2
    # the new version scores the next change of a customer (the rescore does the others)
    upsert(workspace, "C-1", {**HEALTHY, "max_overdue_days": 1})
    with workspace.transaction() as session:
        latest = session.exec(select(Assessment).order_by(col(Assessment.id).desc())).first()
    assert latest is not None and latest.ruleset_version == 2
    assert "big_balance" in [f["id"] for f in latest.result["fired"]]
    (job,) = rescore_jobs(workspace)
    assert job.params == {"as_of": None, "reason": "publish"}
    assert (job.created_by, job.total) == ("bo", 1)
    assert outcome.rescore_job_id == job.id
    assert actions(workspace) == ["spec.draft_saved", "spec.published", "job.started"]


def test_publishing_needs_a_draft_without_errors_and_a_comment(workspace: Database) -> None:
    with workspace.transaction() as session, pytest.raises(NotFoundError):
        publish_draft(session, RULESET, KEY, comment="x", effective_at=None, actor="bo", now=NOW)
    with workspace.transaction() as session:
        source = specs.find_row(session, RULESET, KEY).source
        save_draft(
            session, RULESET, KEY, source.replace("max_overdue_days > 90", "nope > 90"),
            actor="ana", now=NOW,
        )  # fmt: skip
    with workspace.transaction() as session, pytest.raises(InvalidRequestError) as refused:
        publish_draft(session, RULESET, KEY, comment="x", effective_at=None, actor="bo", now=NOW)
    assert refused.value.params == {"kind": RULESET, "key": KEY, "count": 1}
    draft_with_new_rule(workspace)
    with workspace.transaction() as session, pytest.raises(InvalidRequestError) as refused:
        publish_draft(session, RULESET, KEY, comment="  ", effective_at=None, actor="bo", now=NOW)
    assert refused.value.message == "say in a comment why this version is published"
    with workspace.transaction() as session, pytest.raises(ConflictError):
        publish_draft(
            session, RULESET, KEY, comment="x", effective_at=None, actor="bo", now=NOW,
            expected_checksum="0" * 64,
        )  # fmt: skip
    with workspace.transaction() as session:
        assert specs.find_row(session, RULESET, KEY).version == 1
    assert rescore_jobs(workspace) == []


def test_a_scheduled_version_is_published_by_the_sweep_at_its_time(workspace: Database) -> None:
    draft_with_new_rule(workspace)
    with workspace.transaction() as session:
        outcome = publish_draft(
            session, RULESET, KEY, comment="from Monday", effective_at=LATER, actor="bo", now=NOW
        )
    assert (outcome.version, outcome.status, outcome.effective_at) == (2, "scheduled", LATER)
    with workspace.transaction() as session:
        assert specs.find_row(session, RULESET, KEY).version == 1
        # a new draft may be written meanwhile: it comes after the scheduled version
        source = specs.find_row(session, RULESET, KEY).source
        assert save_draft(session, RULESET, KEY, source + "\n", actor="ana", now=NOW).version == 3
    assert publish_due(workspace, now=LATER - timedelta(seconds=1)) == 0
    with workspace.transaction() as session:
        assert specs.find_row(session, RULESET, KEY).version == 1
    assert rescore_jobs(workspace) == []
    assert publish_due(workspace, now=LATER) == 1
    assert publish_due(workspace, now=LATER + timedelta(minutes=1)) == 0
    with workspace.transaction() as session:
        row = specs.find_row(session, RULESET, KEY)
        assert (row.version, row.published_at, row.effective_at) == (2, LATER, LATER)
        assert (row.published_by, row.comment) == ("bo", "from Monday")
    assert len(rescore_jobs(workspace)) == 1
    assert actions(workspace) == [
        "spec.draft_saved",
        "spec.scheduled",
        "spec.draft_saved",
        "spec.published",
        "job.started",
    ]


def test_two_workers_racing_publish_a_scheduled_version_once(workspace: Database) -> None:
    upsert(workspace, "C-1", HEALTHY)
    draft_with_new_rule(workspace)
    with workspace.transaction() as session:
        publish_draft(
            session, RULESET, KEY, comment="later", effective_at=LATER, actor="bo", now=NOW
        )
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def worker() -> None:
        barrier.wait()
        counts.append(publish_due(workspace, now=LATER))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 1]
    assert actions(workspace).count("spec.published") == 1
    assert len(rescore_jobs(workspace)) == 1
    with workspace.transaction() as session:
        assert specs.find_row(session, RULESET, KEY).version == 2
        assert verify_chain(session) is None
        assert session.exec(select(Customer)).one().tier is not None


def test_a_scheduled_version_overtaken_by_an_import_is_retired_not_published(
    workspace: Database,
) -> None:
    from engine.templates import import_template
    from tests.conftest import EXAMPLE_TEMPLATE

    draft_with_new_rule(workspace)
    with workspace.transaction() as session:
        publish_draft(
            session, RULESET, KEY, comment="later", effective_at=LATER, actor="bo", now=NOW
        )
    with workspace.transaction() as session:
        import_template(session, EXAMPLE_TEMPLATE, actor="admin", now=NOW, base_currency="CNY")
    assert publish_due(workspace, now=LATER) == 0
    with workspace.transaction() as session:
        statuses = [(v.version, v.status) for v in list_versions(session, RULESET, KEY)]
        assert statuses == [(1, "retired"), (2, "retired"), (3, "published")]
        assert (
            session.exec(select(AuditEntry).where(AuditEntry.action == "spec.schedule_superseded"))
            .one()
            .detail["published_version"]
            == 3
        )


def test_the_background_sweep_publishes_a_due_scheduled_version(workspace: Database) -> None:
    from engine.background import sweep

    upsert(workspace, "C-1", HEALTHY)
    draft_with_new_rule(workspace)
    with workspace.transaction() as session:
        publish_draft(
            session, RULESET, KEY, comment="later", effective_at=LATER, actor="bo", now=NOW
        )
    sweep(workspace, now=LATER - timedelta(seconds=1), worker="w1")
    with workspace.transaction() as session:
        assert specs.find_row(session, RULESET, KEY).version == 1
    sweep(workspace, now=LATER, worker="w1")
    with workspace.transaction() as session:
        assert specs.find_row(session, RULESET, KEY).version == 2
    # the example template's nightly schedule queued rescores of its own meanwhile
    published = [job for job in rescore_jobs(workspace) if job.params["reason"] == "publish"]
    assert len(published) == 1
