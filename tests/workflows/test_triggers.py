"""The trigger registry: one entry per kind, read by the loader, by `fires` and by the docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import workflows
from tests.workflows.conftest import load_policy
from workflows import TRIGGERS, Occurrence, TriggerKind, fires

DOCS = Path(__file__).parents[2] / "docs"
RECORD = {"credit_limit": 1_000_000, "max_overdue_days": 0}


def _section(path: Path, title: str) -> str:
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^## {title}\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert match is not None, f"{path} has no '## {title}' section"
    return match.group(1)


def test_every_trigger_kind_has_an_entry() -> None:
    assert set(TRIGGERS) == set(TriggerKind)
    assert all(spec.kind is kind for kind, spec in TRIGGERS.items())


@pytest.mark.parametrize(
    ("path", "title"), [("workflows.md", "Triggers"), ("zh/workflows.md", "触发器")]
)
def test_the_docs_document_every_kind_its_parameters_and_what_its_guard_reads(
    path: str, title: str
) -> None:
    section = _section(DOCS / path, title)

    for kind, spec in TRIGGERS.items():
        assert f"`{kind}`" in section, kind
        for param in spec.params:
            assert f"`{param.name}`" in section, (kind, param.name)
        for name in spec.documented:
            assert f"`{name}`" in section, (kind, name)


def _workflow(trigger: str) -> workflows.Workflow:
    return load_policy(
        "workflow: w\n"
        f"trigger: {trigger}\n"
        "start: look\n"
        "steps:\n"
        "  look:\n"
        "    assignee: {role: sales}\n"
        "    actions:\n"
        "      done: {to: closed}\n"
    )


def test_alert_raised_fires_for_a_listed_severity_and_rule_only() -> None:
    workflow = _workflow(
        "{on: alert_raised, severity: [critical], rule: [lawsuit_filed, overdue_90]}"
    )

    def alert(severity: str, rule: str) -> Occurrence:
        raised = {"rule_name": rule, "severity": severity, "message": "..."}
        return Occurrence(TriggerKind.ALERT_RAISED, facts={"raised_alert": raised})

    assert fires(workflow, alert("critical", "overdue_90"), RECORD)
    assert not fires(workflow, alert("warning", "overdue_90"), RECORD)
    assert not fires(workflow, alert("critical", "new_lawsuit"), RECORD)
    assert not fires(workflow, Occurrence(TriggerKind.TIER_CHANGED), RECORD)


def test_field_changed_fires_when_one_watched_field_changed() -> None:
    workflow = _workflow(
        "{on: field_changed, fields: [credit_limit, name], when: "
        '"changed.credit_limit and previous.credit_limit > credit_limit"}'
    )

    def changed(fields: list[str], previous: int) -> Occurrence:
        facts = {"changed": dict.fromkeys(fields, True), "previous": {"credit_limit": previous}}
        return Occurrence(TriggerKind.FIELD_CHANGED, facts=facts)

    assert fires(workflow, changed(["outstanding_balance", "credit_limit"], 2_000_000), RECORD)
    assert not fires(workflow, changed(["credit_limit"], 500_000), RECORD)  # the guard
    assert not fires(workflow, changed(["outstanding_balance"], 2_000_000), RECORD)
    assert not fires(workflow, changed(["name"], 2_000_000), RECORD)  # credit_limit unchanged


def test_event_received_fires_for_its_kind_and_reads_the_event() -> None:
    workflow = _workflow('{on: event_received, kind: lawsuit, when: "event.amount >= 1000000"}')

    def event(kind: str, amount: int) -> Occurrence:
        facts = {"event": {"kind": kind, "amount": amount, "occurred_at": None}}
        return Occurrence(TriggerKind.EVENT_RECEIVED, facts=facts)

    assert fires(workflow, event("lawsuit", 2_000_000), RECORD)
    assert not fires(workflow, event("lawsuit", 10), RECORD)
    assert not fires(workflow, event("overdue_invoice", 2_000_000), RECORD)


def test_several_event_kinds_read_only_the_fields_they_share() -> None:
    workflow = _workflow(
        '{on: event_received, kind: [lawsuit, overdue_invoice], when: "event.amount > 0"}'
    )
    assert workflow.trigger.params["kind"] == ("lawsuit", "overdue_invoice")

    with pytest.raises(workflows.WorkflowError) as refused:
        _workflow(
            '{on: event_received, kind: [lawsuit, overdue_invoice], when: "event.court != \\"x\\""}'
        )
    assert [d.code for d in refused.value.diagnostics] == ["unknown-field"]


@pytest.mark.parametrize(
    ("trigger", "facts"),
    [
        ('{on: review_due, when: "review.due <= today()"}', {"review": {"due": None}}),
        (
            '{on: order_held, when: "order.amount > check.available and order.currency == '
            '\\"CNY\\""}',
            {"order": {"ref": "SO-1", "amount": 5, "currency": "CNY"}, "check": {"available": 1}},
        ),
        ('{on: manual, when: "started_by == \\"wang.li\\""}', {"started_by": "wang.li"}),
        ('{on: tier_changed, when: "assessment.score > 50"}', {"assessment": {"score": 72}}),
    ],
)
def test_each_kind_guard_reads_its_own_facts(trigger: str, facts: dict[str, object]) -> None:
    workflow = _workflow(trigger)
    kind = workflow.trigger.on

    if kind is TriggerKind.REVIEW_DUE:
        assert not fires(workflow, Occurrence(kind, facts=facts), RECORD)  # a missing date
    else:
        assert fires(workflow, Occurrence(kind, facts=facts), RECORD)


def test_a_guard_may_not_read_the_facts_of_another_kind() -> None:
    with pytest.raises(workflows.WorkflowError) as refused:
        _workflow('{on: manual, when: "order.amount > 0"}')

    assert [(d.code, d.message) for d in refused.value.diagnostics] == [
        ("unknown-field", "unknown field 'order'")
    ]
