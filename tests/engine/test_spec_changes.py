"""Approved publishing: under governance a publish opens a ruleset_change case; someone other than
the author approves (the version publishes, at its time) or rejects (the draft stays)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from engine import specs
from engine.cases import get_case, list_cases, take_action
from engine.db import Database
from engine.drafts import list_versions, save_draft
from engine.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from engine.models import AuditEntry, Case, Job, JobStatus, SpecKind
from engine.publishing import publish_draft, publish_due
from engine.spec_changes import PUBLISHER_ROLE, change_view, latest_simulation
from engine.templates import import_template
from engine.views import CaseView
from tests.conftest import EXAMPLE_TEMPLATE
from tests.engine.conftest import HEALTHY, NOW, upsert

KEY = "credit"
RULESET = SpecKind.RULESET
PUBLISHER = (PUBLISHER_ROLE,)
LATER = NOW + timedelta(days=2)


@pytest.fixture
def governed(database: Database, tmp_path: Path) -> Database:
    """The example template with `governance: {publish_requires_approval: true}`, imported."""
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    template = bundle / "template.yaml"
    text = template.read_text(encoding="utf-8")
    template.write_text(
        text.replace("\nroles:", "\ngovernance: {publish_requires_approval: true}\nroles:", 1),
        encoding="utf-8",
    )
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
    return database


def save(database: Database, *, author: str = "ana", extra: str = "\n") -> str:
    with database.transaction() as session:
        source = specs.find_row(session, RULESET, KEY).source
        return save_draft(session, RULESET, KEY, source + extra, actor=author, now=NOW).checksum


def request(database: Database, *, actor: str = "ana", effective_at: datetime | None = None) -> int:
    with database.transaction() as session:
        outcome = publish_draft(
            session,
            RULESET,
            KEY,
            comment="tidy up",
            effective_at=effective_at,
            actor=actor,
            now=NOW,
        )
    assert outcome.status == "pending_approval" and outcome.case_id is not None
    return outcome.case_id


def act(
    database: Database, case_id: int, action: str, actor: str, comment: str | None = None
) -> CaseView:
    with database.transaction() as session:
        return take_action(
            session, case_id, action, actor=actor, roles=PUBLISHER, comment=comment, now=NOW
        )


def published_version(database: Database) -> int:
    with database.transaction() as session:
        return specs.find_row(session, RULESET, KEY).version


def audited(database: Database) -> list[str]:
    with database.transaction() as session:
        return [
            a.action
            for a in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
            if a.action.startswith(("spec.", "case.", "job."))
        ]


def test_publishing_under_governance_opens_a_case_about_no_customer(governed: Database) -> None:
    checksum = save(governed)
    case_id = request(governed)
    assert published_version(governed) == 1  # nothing published yet
    with governed.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.customer_id is None
        assert (case.workflow_key, case.step, case.assigned_role) == (
            "ruleset_change",
            "review",
            PUBLISHER_ROLE,
        )
        change = case.context["spec_change"]
        assert (change["key"], change["version"], change["checksum"]) == (KEY, 2, checksum)
        assert (change["author"], change["comment"], change["simulation_id"]) == (
            "ana",
            "tidy up",
            None,
        )
        # still a draft, and a second request waits for the first
        assert [v.status for v in list_versions(session, RULESET, KEY)] == ["published", "draft"]
    with governed.transaction() as session, pytest.raises(ConflictError):
        publish_draft(
            session, RULESET, KEY, comment="again", effective_at=None, actor="ana", now=NOW
        )


def test_the_author_cannot_approve_someone_else_does_and_it_publishes(
    governed: Database,
) -> None:
    upsert(governed, "C-1", HEALTHY)
    save(governed)
    case_id = request(governed)
    with pytest.raises(PermissionDeniedError) as refused:
        act(governed, case_id, "approve", "ana")
    assert refused.value.params == {"actor": "ana"}
    assert published_version(governed) == 1
    view = act(governed, case_id, "approve", "bo")
    assert (view.status, view.outcome, view.customer_ref) == ("closed", "approved", None)
    with governed.transaction() as session:
        row = specs.find_row(session, RULESET, KEY)
        assert (row.version, row.author, row.published_by, row.comment) == (
            2,
            "ana",
            "bo",
            "tidy up",
        )
        (job,) = session.exec(select(Job).where(Job.kind == "rescore")).all()
        assert job.params == {"as_of": None, "reason": "publish"}
        approval = session.exec(
            select(AuditEntry).where(AuditEntry.action == "spec.published")
        ).all()[-1]
        assert approval.detail["approved_by"] == "bo"
    # every step audited: the request, the built-in workflow on first use, the decision
    assert audited(governed)[-8:] == [
        "spec.draft_saved",
        "spec.published",
        "case.opened",
        "spec.approval_requested",
        "case.action",
        "case.closed",
        "spec.published",
        "job.started",
    ]


def test_a_rejection_needs_a_comment_and_keeps_the_draft(governed: Database) -> None:
    save(governed)
    case_id = request(governed)
    with pytest.raises(InvalidRequestError):
        act(governed, case_id, "reject", "bo")
    view = act(governed, case_id, "reject", "bo", comment="simulate it first")
    assert (view.status, view.outcome) == ("closed", "rejected")
    with governed.transaction() as session:
        assert [v.status for v in list_versions(session, RULESET, KEY)] == ["published", "draft"]
        assert session.exec(select(Job)).all() == []
    assert "spec.change_rejected" in audited(governed)
    # a new request may follow
    request(governed)


def test_an_approved_change_with_an_effective_time_publishes_then(governed: Database) -> None:
    save(governed)
    case_id = request(governed, effective_at=LATER)
    act(governed, case_id, "approve", "bo")
    with governed.transaction() as session:
        statuses = [(v.version, v.status) for v in list_versions(session, RULESET, KEY)]
    assert statuses == [(1, "published"), (2, "scheduled")]
    assert publish_due(governed, now=LATER) == 1
    assert published_version(governed) == 2


def test_a_draft_changed_after_the_request_cannot_be_approved(governed: Database) -> None:
    save(governed)
    case_id = request(governed)
    save(governed, extra="\n\n")
    with pytest.raises(ConflictError):
        act(governed, case_id, "approve", "bo")
    assert published_version(governed) == 1


def test_change_cases_are_seen_only_by_those_who_may_publish(governed: Database) -> None:
    save(governed)
    case_id = request(governed)
    with governed.transaction() as session:
        assert [c.id for c in list_cases(session).items] == []
        assert [c.id for c in list_cases(session, spec_changes=True).items] == [case_id]
        scoped = list_cases(session, scope=frozenset({"east"}), spec_changes=True)
        assert [c.id for c in scoped.items] == [case_id]
        assert list_cases(session, scope=frozenset({"east"})).items == ()
        with pytest.raises(NotFoundError):
            get_case(session, case_id, scope=frozenset({"east"}))
        assert get_case(session, case_id, roles=PUBLISHER).available_actions == (
            "approve",
            "reject",
        )


def test_the_latest_simulation_of_the_draft_is_attached(governed: Database) -> None:
    checksum = save(governed)
    with governed.transaction() as session:
        for params in (
            {"key": KEY, "draft_checksum": "0" * 64},
            {"key": KEY, "draft_checksum": checksum},
            {"key": "other", "draft_checksum": checksum},
        ):
            session.add(
                Job(
                    kind="simulation",
                    status=JobStatus.DONE,
                    params=params,
                    result={"total": 3, "moved": 1, "matrix": {"low": {"low": 2, "high": 1}}},
                    created_at=NOW,
                )
            )
        session.flush()
        found = latest_simulation(session, KEY, version=2, checksum=checksum)
    assert found == 2
    case_id = request(governed)
    with governed.transaction() as session:
        change = change_view(session, case_id)
    assert change is not None and change.simulation_id == 2
    assert change.impact == {"total": 3, "moved": 1, "matrix": {"low": {"low": 2, "high": 1}}}
    assert change.diff.startswith("--- credit v1\n+++ credit v2\n")


def test_the_built_in_workflow_has_no_drafts(governed: Database) -> None:
    save(governed)
    request(governed)  # publishes the built-in workflow on first use
    with governed.transaction() as session, pytest.raises(InvalidRequestError) as refused:
        save_draft(
            session, SpecKind.WORKFLOW, "ruleset_change", "workflow: x\n", actor="ana", now=NOW
        )
    assert refused.value.params == {"kind": SpecKind.WORKFLOW, "key": "ruleset_change"}
