"""Loading every key of the workflow format: what a complete credit-policy workflow gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import workflows
from tests.workflows.conftest import ROLES, load_policy
from workflows import (
    CLOSED,
    AssigneeKind,
    ChangeTermsOp,
    Dedupe,
    Duration,
    DurationUnit,
    NotifyOp,
    OrderDecision,
    OrderDecisionOp,
    Quorum,
    SetFieldOp,
    StartOp,
    TriggerKind,
    Workflow,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture
def policy() -> Workflow:
    return load_policy((DATA / "credit_policy.yaml").read_text(encoding="utf-8"))


def test_the_complete_policy_loads_without_diagnostics(policy: Workflow) -> None:
    assert policy.warnings == ()
    assert list(policy.steps) == ["sales_review", "finance_approval", "hold", "apply"]


def test_top_keys_dedupe_cancel_when_and_calendar(policy: Workflow) -> None:
    assert policy.dedupe is Dedupe.ADD_REASON
    assert policy.calendar == "china"
    assert policy.cancel_when is not None
    assert policy.is_cancelled({"assessment": {"tier": "low"}, "case": {"step": "sales_review"}})
    assert not policy.is_cancelled({"assessment": {"tier": "low"}, "case": {"step": "apply"}})


def test_a_workflow_without_the_new_top_keys_gets_their_defaults() -> None:
    source = (DATA / "order_hold.yaml").read_text(encoding="utf-8")
    workflow = load_policy(source)

    assert (workflow.dedupe, workflow.cancel_when, workflow.calendar) == (Dedupe.IGNORE, None, None)


def test_trigger_parameters_are_read_as_tuples_of_names(policy: Workflow) -> None:
    assert policy.trigger.on is TriggerKind.ALERT_RAISED
    assert dict(policy.trigger.params) == {
        "severity": ("critical", "warning"),
        "rule": ("lawsuit_filed",),
    }


def test_assignees_of_every_kind(policy: Workflow) -> None:
    review = policy.steps["sales_review"]
    assert review.assignee is not None
    assert (review.assignee.kind, review.assignee.role, review.assignee.department) == (
        AssigneeKind.ROLE,
        "sales_manager",
        "customer",
    )
    hold = policy.steps["hold"].do
    assert hold is not None and isinstance(hold[1], NotifyOp)
    owner = hold[1].notify.to
    assert owner is not None and owner.kind is AssigneeKind.OWNER

    source = (DATA / "order_hold.yaml").read_text(encoding="utf-8")
    named = load_policy(
        source.replace("assignee: {role: finance_head}", "assignee: {user: wang.li}").replace(
            "{after: 1bd, to: {role: cfo}}", "{after: 1bd, to: {role: cfo, department: hq}}"
        )
    ).steps["decide"]
    assert named.assignee is not None
    assert (named.assignee.kind, named.assignee.user) == (AssigneeKind.USER, "wang.li")
    first = named.escalations[0].to
    assert first is not None and (first.role, first.department) == ("cfo", "hq")


def test_sla_reminders_and_escalations_in_business_days(policy: Workflow) -> None:
    step = policy.steps["sales_review"]

    assert step.sla == Duration(2, DurationUnit.BUSINESS_DAYS)
    assert [r.before for r in step.reminders] == [Duration(4, DurationUnit.HOURS)]
    first, second = step.escalations
    assert (first.level, first.after, first.action) == (
        1,
        Duration(2, DurationUnit.BUSINESS_DAYS),
        None,
    )
    assert first.to is not None and first.to.role == "department_head"
    assert first.notify is not None and first.notify.template == "case_escalated"
    assert first.notify.to is None  # the case's assignees
    assert (second.level, second.after, second.to, second.action) == (
        2,
        Duration(5, DurationUnit.BUSINESS_DAYS),
        None,
        "hold_orders",
    )


def test_approval_with_quorum_and_four_eyes(policy: Workflow) -> None:
    approval = policy.steps["finance_approval"].approval

    assert approval is not None
    assert (approval.quorum, approval.four_eyes, approval.action) == (2, True, "approve")


@pytest.mark.parametrize(
    ("written", "quorum", "four_eyes"),
    [
        ("{}", Quorum.ANY, False),
        ("{quorum: all}", Quorum.ALL, False),
        ("{four_eyes: true}", Quorum.ANY, True),
    ],
)
def test_approval_defaults(written: str, quorum: Quorum | int, four_eyes: bool) -> None:
    source = (
        (DATA / "credit_policy.yaml")
        .read_text(encoding="utf-8")
        .replace("approval: {quorum: 2, four_eyes: true, action: approve}", f"approval: {written}")
    )
    approval = load_policy(source).steps["finance_approval"].approval

    assert approval is not None
    assert (approval.quorum, approval.four_eyes, approval.action) == (quorum, four_eyes, "approve")


def test_an_action_names_the_form_its_actor_fills(policy: Workflow) -> None:
    actions = policy.steps["sales_review"].actions

    assert actions["propose_terms"].form == "credit_terms_proposal"
    assert actions["no_change"].form is None


def test_temporary_terms_change_with_until_and_restore_when(policy: Workflow) -> None:
    do = policy.steps["hold"].do
    assert do is not None
    change = do[0]

    assert isinstance(change, ChangeTermsOp)
    assert change.is_temporary
    assert change.until == Duration(30, DurationUnit.DAYS)
    assert change.restore_when is not None
    assert change.restore_when.expression.evaluate({"max_overdue_days": 0}) is True
    message = do[1]
    assert isinstance(message, NotifyOp)
    assert dict(message.notify.message or {}) == {"en": "Orders on hold", "zh": "订单已暂停"}


def test_until_may_be_a_date() -> None:
    source = (
        (DATA / "credit_policy.yaml")
        .read_text(encoding="utf-8")
        .replace("until: 30d", "until: 2027-01-31")
    )
    do = load_policy(source).steps["hold"].do
    assert do is not None and isinstance(do[0], ChangeTermsOp)
    assert do[0].until == dt.date(2027, 1, 31)


def test_do_operations_of_every_kind(policy: Workflow) -> None:
    do = policy.steps["apply"].do
    assert do is not None
    change, set_field, notify, start = do

    assert isinstance(change, ChangeTermsOp) and not change.is_temporary
    limit = change.values[0]
    assert limit.expression is not None
    record = {"case": {"data": {"proposed_limit": 250_000}}}
    assert limit.expression.expression.evaluate(record) == 250_000
    assert isinstance(set_field, SetFieldOp)
    assert [(v.name, v.literal, v.expression is not None) for v in set_field.values] == [
        ("watchlist", True, False),
        ("max_overdue_days", None, True),
    ]
    assert isinstance(notify, NotifyOp)
    assert notify.notify.to is not None and notify.notify.to.role == "sales"
    assert notify.notify.template == "terms_changed"
    assert isinstance(start, StartOp) and start.workflow == "periodic_review"
    assert policy.steps["apply"].to == CLOSED


def test_order_decisions_in_an_order_held_workflow() -> None:
    workflow = load_policy((DATA / "order_hold.yaml").read_text(encoding="utf-8"))

    assert workflow.trigger.on is TriggerKind.ORDER_HELD
    decisions = [
        op.decision
        for step in workflow.steps.values()
        for op in step.do or ()
        if isinstance(op, OrderDecisionOp)
    ]
    assert decisions == [OrderDecision.RELEASE, OrderDecision.REJECT]
    assert workflow.steps["decide"].escalations[1].action == "reject"


def test_without_forms_workflows_or_calendars_those_names_are_not_checked() -> None:
    source = (DATA / "credit_policy.yaml").read_text(encoding="utf-8")

    workflow = workflows.load_workflow(source, filename="wf.yaml", roles=ROLES)

    assert workflow.calendar == "china"
    assert workflow.steps["sales_review"].actions["propose_terms"].form == "credit_terms_proposal"


def test_steps_and_actions_take_labels_and_are_titled_in_words_without() -> None:
    source = (DATA / "credit_policy.yaml").read_text(encoding="utf-8")
    labelled = source.replace(
        "  sales_review:\n",
        "  sales_review:\n    label: {en: Sales review, zh: 销售复核}\n",
    ).replace(
        "propose_terms: {to: finance_approval,",
        "propose_terms: {label: 提议信用条件, to: finance_approval,",
    )
    workflow = load_policy(labelled)
    step = workflow.steps["sales_review"]

    assert (step.title("zh"), step.title("en")) == ("销售复核", "Sales review")
    assert step.actions["propose_terms"].title("en") == "提议信用条件"  # one text: every language
    assert workflow.step_title("finance_approval", "zh") == "Finance approval"  # no label: words
    assert workflow.action_title(None, "approve", "zh") == "Approve"
    assert workflow.step_title(CLOSED, "en") == "Closed"
