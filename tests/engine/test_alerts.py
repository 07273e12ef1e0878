"""Alerts with a lifecycle (issue 12): opened when a rule starts firing, kept up to date (not
duplicated) while it keeps firing, resolved when it stops, acknowledged by a person with a
comment, with history; single writes and the bulk rescore alike (engine.alerts)."""

from __future__ import annotations

import shutil
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from engine import alerts
from engine.alerts import ActiveAlert, diff
from engine.db import Database
from engine.errors import ConflictError, InvalidRequestError, NotFoundError
from engine.models import Alert, AuditEntry, Customer
from engine.rescore_bulk import rescore_range
from engine.templates import import_template
from tests.conftest import EXAMPLE_TEMPLATE
from tests.engine.conftest import HEALTHY, NOW, TERMS, upsert


def _alerts(database: Database) -> list[tuple[str, str, str]]:
    with database.transaction() as session:
        rows = session.exec(select(Alert).order_by(col(Alert.id))).all()
        return [(a.rule, a.status, a.message) for a in rows]


def test_diff_opens_updates_and_resolves_by_rule() -> None:
    held = [
        ActiveAlert(1, "overdue", "warning", "Invoice overdue 120 days"),
        ActiveAlert(2, "news", "info", "2 negative news items in 30 days"),
        ActiveAlert(3, "enforcement", "critical", "Court enforcement: 1 record(s)"),
    ]
    fired = [
        {"rule": "overdue", "severity": "warning", "message": "Invoice overdue 121 days"},
        {
            "rule": "enforcement",
            "severity": "critical",
            "message": "Court enforcement: 1 record(s)",
        },
        {"rule": "fell_overdue", "severity": "warning", "message": "90,000 CNY fell overdue"},
    ]
    found = diff(held, fired)
    assert [a["rule"] for a in found.opened] == ["fell_overdue"]
    assert [(a.id, new["message"]) for a, new in found.updated] == [(1, "Invoice overdue 121 days")]
    assert [a.id for a in found.resolved] == [2]
    assert not diff(held[2:], fired[1:2])  # the same alert, firing on: nothing to do
    # two active alerts of one rule (the earlier engine's duplicates): the newest is kept
    twice = diff(
        [held[0], ActiveAlert(9, "overdue", "warning", "Invoice overdue 121 days")], fired[:1]
    )
    assert ([a.id for a in twice.resolved], twice.updated) == ([1], ())


def test_an_alert_is_updated_while_its_rule_fires_and_resolved_when_it_stops(
    workspace: Database,
) -> None:
    """The issue's case: overdue 120 → 121 → 0 left two open alerts on a low-risk customer."""
    upsert(workspace, "C1", {**HEALTHY, "max_overdue_days": 120}, terms=TERMS)
    upsert(workspace, "C1", {**HEALTHY, "max_overdue_days": 121}, now=NOW + timedelta(days=1))
    assert _alerts(workspace) == [("severe_overdue", "open", "Invoice overdue 121 days")]
    upsert(workspace, "C1", {**HEALTHY, "max_overdue_days": 0}, now=NOW + timedelta(days=2))
    assert _alerts(workspace) == [("severe_overdue", "resolved", "Invoice overdue 121 days")]
    with workspace.transaction() as session:
        (only,) = alerts.list_alerts(session, status=None).items
        history = alerts.get_alert(session, only.id).history
    assert [(h.kind, h.message) for h in history] == [
        ("opened", "Invoice overdue 120 days"),
        ("updated", "Invoice overdue 121 days"),
        ("resolved", None),
    ]
    assert only.resolved_at == NOW + timedelta(days=2)
    # firing again later opens a new alert
    upsert(workspace, "C1", {**HEALTHY, "max_overdue_days": 95}, now=NOW + timedelta(days=3))
    assert [s for _, s, _ in _alerts(workspace)] == ["resolved", "open"]


def test_an_acknowledged_alert_stays_acknowledged_until_its_rule_stops(
    workspace: Database,
) -> None:
    upsert(workspace, "C1", {**HEALTHY, "max_overdue_days": 120}, terms=TERMS)
    with workspace.transaction() as session:
        (alert,) = alerts.list_alerts(session).items
        with pytest.raises(InvalidRequestError):
            alerts.acknowledge(session, alert.id, comment="  ", actor="sam", now=NOW)
        with pytest.raises(NotFoundError):  # outside the caller's departments: not there
            alerts.acknowledge(
                session, alert.id, comment="called", actor="sam", now=NOW, scope=frozenset({"x"})
            )
        done = alerts.acknowledge(
            session, alert.id, comment="called them: paying Friday", actor="sam", now=NOW
        )
        assert (done.status, done.acknowledged_by) == ("acknowledged", "sam")
        with pytest.raises(ConflictError):
            alerts.acknowledge(session, alert.id, comment="again", actor="fay", now=NOW)
        audit_row = session.exec(
            select(AuditEntry).where(AuditEntry.action == "alert.acknowledged")
        ).one()
        assert audit_row.detail["comment"] == "called them: paying Friday"
    upsert(workspace, "C1", {**HEALTHY, "max_overdue_days": 130}, now=NOW + timedelta(days=1))
    assert _alerts(workspace) == [("severe_overdue", "acknowledged", "Invoice overdue 130 days")]
    upsert(workspace, "C1", {**HEALTHY, "max_overdue_days": 0}, now=NOW + timedelta(days=2))
    with workspace.transaction() as session:
        (resolved,) = alerts.list_alerts(session, status="resolved").items
        assert resolved.acknowledged_by == "sam"
        with pytest.raises(ConflictError):
            alerts.acknowledge(session, resolved.id, comment="late", actor="fay", now=NOW)
        assert alerts.list_alerts(session).items == ()  # active: none left


def test_the_bulk_rescore_keeps_the_same_lifecycle(workspace: Database, tmp_path: Path) -> None:
    upsert(workspace, "C1", {**HEALTHY, "max_overdue_days": 120}, terms=TERMS)
    upsert(workspace, "C2", {**HEALTHY, "negative_news_30d": 3}, terms=TERMS)
    # a new ruleset version words the overdue alert differently and drops the news alert
    bundle = tmp_path / "reworded"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    rules = bundle / "rules" / "credit.rules"
    text = rules.read_text(encoding="utf-8").replace(
        'alert warning "Invoice overdue {max_overdue_days} days"',
        'alert warning "Overdue for {max_overdue_days} days"',
    )
    rules.write_text(
        text.replace(', alert info "{negative_news_30d} negative news items in 30 days"', ""),
        encoding="utf-8",
    )
    template = bundle / "template.yaml"
    described = template.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 1.1.0")
    template.write_text(described.replace("tests: [tests/cases.yaml]\n", ""), encoding="utf-8")
    shutil.rmtree(bundle / "tests")
    later = NOW + timedelta(days=1)
    with workspace.transaction() as session:
        import_template(session, bundle, actor="admin", now=later, base_currency="CNY")
        first, last = session.exec(select(func.min(Customer.id), func.max(Customer.id))).one()
        assert first is not None and last is not None
        rescore_range(
            session, first_id=first, last_id=last, as_of=later.date(), actor="ops", now=later,
            tz=UTC,
        )  # fmt: skip
    assert _alerts(workspace) == [
        ("severe_overdue", "open", "Overdue for 120 days"),
        ("negative_news", "resolved", "3 negative news items in 30 days"),
    ]
    with workspace.transaction() as session:
        counts = alerts.count_active(session)
        scoped = alerts.list_alerts(session, severity="warning", scope=frozenset({"nowhere"}))
        (news,) = alerts.list_alerts(session, status="resolved").items
        kinds = [h.kind for h in alerts.get_alert(session, news.id).history]
    assert (counts, scoped.items, kinds) == ({"warning": 1}, (), ["opened", "resolved"])


def test_filters_are_checked(workspace: Database) -> None:
    with workspace.transaction() as session:
        with pytest.raises(InvalidRequestError):
            alerts.list_alerts(session, status="closed")
        with pytest.raises(InvalidRequestError):
            alerts.list_alerts(session, severity="huge")
