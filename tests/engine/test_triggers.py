"""Every trigger kind starts its workflows through one path (engine.triggers): a changed field, an
event, an alert, a click; `dedupe` keeps one open case per customer and workflow, ignoring the
new occurrence or adding its reason to the open case."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from engine import audit
from engine.access import Grant, access_of
from engine.db import Database
from engine.drafts import save_draft
from engine.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from engine.events import EventInput, record_event
from engine.manual_cases import start_manually
from engine.models import Case, CaseTransition, SpecKind
from engine.publishing import publish_draft
from tests.engine.conftest import HEALTHY, NOW, RISKY, TERMS, upsert

LATER = NOW + timedelta(hours=1)


def publish_workflow(database: Database, source: str) -> None:
    """Publish `source` as a new workflow (its key is the `workflow:` line's)."""
    key = source.split("workflow:", 1)[1].split()[0]
    with database.transaction() as session:
        draft = save_draft(session, SpecKind.WORKFLOW, key, source, actor="ana", now=NOW)
        assert not draft.has_errors, draft.diagnostics
        publish_draft(
            session, SpecKind.WORKFLOW, key, comment="test", effective_at=None, actor="bo", now=NOW
        )


def workflow(key: str, trigger: str, *, dedupe: str = "ignore") -> str:
    return (
        f"workflow: {key}\n"
        f"trigger: {trigger}\n"
        f"dedupe: {dedupe}\n"
        "start: look\n"
        "steps:\n"
        "  look:\n"
        "    assignee: {role: sales_manager}\n"
        "    actions:\n"
        "      done: {to: closed}\n"
    )


def cases_of(session: Session, key: str) -> list[Case]:
    return list(session.exec(select(Case).where(Case.workflow_key == key).order_by(col(Case.id))))


def test_a_watched_field_changing_opens_a_case_once(workspace: Database) -> None:
    publish_workflow(
        workspace,
        workflow(
            "industry_check",
            "{on: field_changed, fields: [industry],"
            ' when: "changed.industry and previous.industry == \\"manufacturing\\""}',
        ),
    )
    upsert(workspace, "C001", HEALTHY)
    upsert(workspace, "C001", {**HEALTHY, "has_guarantee": False}, now=LATER)
    upsert(workspace, "C001", HEALTHY, now=LATER)
    with workspace.transaction() as session:
        assert cases_of(session, "industry_check") == []

    upsert(workspace, "C001", {**HEALTHY, "industry": "retail"}, now=LATER)
    upsert(workspace, "C001", {**HEALTHY, "industry": "trade"}, now=LATER)  # one open already

    with workspace.transaction() as session:
        (case,) = cases_of(session, "industry_check")
        assert case.context["reasons"] == [{"trigger": "field_changed", "fields": ["industry"]}]
        assert case.context["opened_with"]["assessment_id"] is not None


def test_add_reason_records_the_new_occurrence_on_the_open_case(workspace: Database) -> None:
    publish_workflow(
        workspace,
        workflow(
            "balance_watch",
            "{on: field_changed, fields: [outstanding_balance]}",
            dedupe="add_reason",
        ),
    )
    upsert(workspace, "C001", HEALTHY)
    upsert(workspace, "C001", {**HEALTHY, "outstanding_balance": 150_000}, now=LATER)
    upsert(workspace, "C001", {**HEALTHY, "outstanding_balance": 170_000}, now=LATER)

    with workspace.transaction() as session:
        (case,) = cases_of(session, "balance_watch")
        history = session.exec(
            select(CaseTransition).where(CaseTransition.case_id == case.id)
        ).all()
        assert audit.verify_chain(session) is None
    assert len(case.context["reasons"]) == 2
    assert [t.reason for t in history] == ["start", "reason_added"]
    assert history[1].data == {"trigger": "field_changed", "fields": ["outstanding_balance"]}


def test_an_event_of_the_kind_opens_a_case_when_its_guard_holds(workspace: Database) -> None:
    publish_workflow(
        workspace,
        workflow(
            "lawsuit_review",
            '{on: event_received, kind: lawsuit, when: "event.role == \\"defendant\\""}',
        ),
    )
    upsert(workspace, "C001", HEALTHY)

    def lawsuit(role: str, key: str) -> None:
        with workspace.transaction() as session:
            record_event(
                session,
                "C001",
                EventInput(kind="lawsuit", occurred_at=NOW, payload={"role": role}),
                idempotency_key=key,
                actor="feed",
                now=LATER,
                tz=UTC,
            )

    lawsuit("plaintiff", "k1")
    with workspace.transaction() as session:
        assert cases_of(session, "lawsuit_review") == []
    lawsuit("defendant", "k2")
    with workspace.transaction() as session:
        (case,) = cases_of(session, "lawsuit_review")
    assert case.context["reasons"][0]["kind"] == "lawsuit"


def test_a_critical_alert_opens_an_alert_workflow(workspace: Database) -> None:
    publish_workflow(
        workspace,
        workflow(
            "enforcement_alert",
            "{on: alert_raised, severity: critical,"
            ' when: "raised_alert.rule_name == \\"court_enforcement\\""}',
        ),
    )
    upsert(workspace, "C001", HEALTHY)
    with workspace.transaction() as session:
        assert cases_of(session, "enforcement_alert") == []

    upsert(workspace, "C001", {**HEALTHY, "enforcement_records": 1}, now=LATER)

    with workspace.transaction() as session:
        (case,) = cases_of(session, "enforcement_alert")
    (reason,) = case.context["reasons"]
    assert (reason["trigger"], reason["rule"], reason["severity"]) == (
        "alert_raised",
        "court_enforcement",
        "critical",
    )


MANUAL = workflow("manual_review", '{on: manual, when: "credit_limit > 0"}')


def _access(role: str, department: str | None = None) -> Any:
    return access_of([Grant(role=role, department=department)], {})


def test_a_manual_workflow_starts_once_for_a_permitted_user(workspace: Database) -> None:
    publish_workflow(workspace, MANUAL)
    upsert(workspace, "C001", HEALTHY, terms=TERMS)

    def start(role: str = "sales_manager", key: str = "manual_review", **kw: Any) -> int:
        with workspace.transaction() as session:
            return start_manually(
                session,
                "C001",
                key,
                actor="mia",
                access=_access(role, kw.get("department")),
                scope=None,
                comment="  quarterly look  ",
                now=LATER,
            )

    with pytest.raises(PermissionDeniedError):
        start(role="sales")
    with pytest.raises(NotFoundError):
        start(key="high_risk_review")  # published, but not a manual workflow
    with pytest.raises(PermissionDeniedError):
        start(department="west")  # the customer is in east
    case_id = start()
    with pytest.raises(ConflictError, match=str(case_id)):
        start()

    with workspace.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
    assert case.context["reasons"] == [
        {"trigger": "manual", "by": "mia", "comment": "quarterly look"}
    ]


def test_a_manual_workflow_whose_condition_fails_is_refused(workspace: Database) -> None:
    publish_workflow(workspace, MANUAL)
    upsert(workspace, "C002", RISKY)  # no credit limit

    with workspace.transaction() as session, pytest.raises(InvalidRequestError):
        start_manually(
            session,
            "C002",
            "manual_review",
            actor="mia",
            access=_access("admin"),
            scope=None,
            comment=None,
            now=LATER,
        )
