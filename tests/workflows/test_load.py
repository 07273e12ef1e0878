"""Loading a workflow definition: what a valid file gives."""

from __future__ import annotations

import hashlib

import pytest

import workflows
from tests.workflows.conftest import HIGH_RISK_REVIEW_LITERAL, RECORD, ROLES, load
from workflows import CLOSED, ChangeTermsOp, Duration, DurationUnit, TriggerKind, Workflow


def test_high_risk_review_loads_with_its_steps_in_source_order(review: Workflow) -> None:
    assert review.key == "high_risk_review"
    assert dict(review.label) == {"en": "High-risk credit review", "zh": "高风险客户复核"}
    assert review.trigger.on is TriggerKind.TIER_CHANGED
    assert review.trigger.when is None
    assert review.start == "sales_review"
    assert list(review.steps) == ["sales_review", "finance_approval", "apply"]
    assert review.warnings == ()
    assert review.filename == "high_risk_review.yaml"


def test_task_step_holds_assignee_sla_escalations_and_actions(review: Workflow) -> None:
    step = review.steps["sales_review"]

    assert not step.is_do
    assert step.assignee is not None and step.assignee.role == "sales_manager"
    assert step.sla == Duration(24, DurationUnit.HOURS)
    assert [(e.level, e.after, e.to and e.to.role) for e in step.escalations] == [
        (1, Duration(24, DurationUnit.HOURS), "department_head"),
        (2, Duration(72, DurationUnit.HOURS), "cfo"),
    ]
    assert list(step.actions) == ["propose_terms", "no_change"]
    no_change = step.actions["no_change"]
    assert (no_change.to, no_change.outcome, no_change.requires_comment) == (
        CLOSED,
        "no_change",
        True,
    )
    assert step.actions["propose_terms"].requires_comment is False


def test_do_step_holds_its_terms_changes_and_next_step(review: Workflow) -> None:
    step = review.steps["apply"]

    assert step.is_do
    assert step.assignee is None and step.actions == {}
    assert step.to == CLOSED
    assert step.do is not None
    change = step.do[0]
    assert isinstance(change, ChangeTermsOp)
    assert [(v.name, v.literal) for v in change.values] == [
        ("payment_terms_days", 30),
        ("prepayment_pct", 0.3),
        ("credit_limit", 500000),
        ("order_hold", False),
    ]


def test_workflow_is_immutable(review: Workflow) -> None:
    with pytest.raises(AttributeError):
        review.start = "apply"  # type: ignore[misc]
    with pytest.raises(TypeError):
        review.steps["x"] = review.steps["apply"]  # type: ignore[index]


def test_checksum_is_the_sha256_of_the_source(review: Workflow) -> None:
    assert review.checksum == hashlib.sha256(HIGH_RISK_REVIEW_LITERAL.encode()).hexdigest()


def test_a_workflow_without_guard_matches_every_record(review: Workflow) -> None:
    assert review.matches(RECORD) is True
    assert review.matches({}) is True


def test_a_plain_text_label_serves_every_language() -> None:
    source = HIGH_RISK_REVIEW_LITERAL.replace(
        "label: {en: High-risk credit review, zh: 高风险客户复核}", "label: 高风险客户复核"
    )
    assert dict(load(source).label) == {"en": "高风险客户复核", "zh": "高风险客户复核"}


def test_without_label_the_key_is_the_label() -> None:
    source = HIGH_RISK_REVIEW_LITERAL.replace(
        "label: {en: High-risk credit review, zh: 高风险客户复核}\n", ""
    )
    assert dict(load(source).label) == {"en": "high_risk_review", "zh": "high_risk_review"}


def test_admin_is_a_role_every_template_has() -> None:
    source = HIGH_RISK_REVIEW_LITERAL.replace(
        "{role: cfo}}]\n    actions:\n      approve", "{role: admin}}]\n    actions:\n      approve"
    )
    workflow = workflows.load_workflow(
        source,
        filename="wf.yaml",
        roles=["sales_manager", "department_head", "cfo", "finance_head"],
    )
    escalated_to = workflow.steps["finance_approval"].escalations[0].to
    assert escalated_to is not None and escalated_to.role == "admin"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", Duration(90, DurationUnit.MINUTES)),
        ("24h", Duration(24, DurationUnit.HOURS)),
        ("3d", Duration(3, DurationUnit.DAYS)),
        ("5bd", Duration(5, DurationUnit.BUSINESS_DAYS)),
    ],
)
def test_durations_are_minutes_hours_days_or_business_days(text: str, expected: Duration) -> None:
    assert workflows.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["24", "0h", "1.5h", "2 days", "1w", "-3d", "", 24, None])
def test_anything_else_is_not_a_duration(text: object) -> None:
    assert workflows.parse_duration(text) is None


def test_load_checks_roles_against_the_template() -> None:
    with pytest.raises(workflows.WorkflowError) as refused:
        workflows.load_workflow(HIGH_RISK_REVIEW_LITERAL, filename="wf.yaml", roles=ROLES[:2])

    assert [d.code for d in refused.value.diagnostics] == ["unknown-role"] * 4
