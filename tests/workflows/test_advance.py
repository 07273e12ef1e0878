"""How a case moves: start, escalations, actions, do steps, and saving between steps."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

import workflows
from tests.workflows.conftest import (
    FINANCE_HEAD,
    HIGH_RISK_REVIEW_LITERAL,
    NOW,
    RECORD,
    SALES_MANAGER,
    load,
)
from workflows import (
    CaseState,
    CaseStatus,
    ChangeReason,
    ChangeTerms,
    NotificationKind,
    SendNotification,
    StepChange,
    TakeAction,
    TimerFired,
    TimerRequest,
    Transition,
    Workflow,
)


def act(
    workflow: Workflow,
    state: CaseState,
    action: str,
    *,
    roles: frozenset[str],
    actor: str = "li.wei",
    comment: str | None = None,
    now: datetime = NOW,
) -> Transition:
    event = TakeAction(action=action, actor=actor, actor_roles=roles, comment=comment, data=None)
    return workflows.advance(workflow, state, event, record=RECORD, now=now)


def fire(workflow: Workflow, state: CaseState, request: TimerRequest) -> Transition:
    """Fire `request` the way the engine does: at its due time, with its payload."""
    event = TimerFired(kind=request.kind, due_at=request.due_at, **request.payload)
    return workflows.advance(workflow, state, event, record=RECORD, now=request.due_at)


def test_start_enters_the_start_step_assigned_to_its_role_with_sla(review: Workflow) -> None:
    transition = workflows.start(review, record=RECORD, now=NOW)

    assert transition.state == CaseState(
        step="sales_review",
        status=CaseStatus.OPEN,
        outcome=None,
        assigned_role="sales_manager",
        entered_at=NOW,
        due_at=NOW + timedelta(hours=24),
        escalation_level=0,
    )
    assert transition.cancel_timers is False
    assert transition.effects == (
        SendNotification(
            kind=NotificationKind.ASSIGNED, step="sales_review", assigned_role="sales_manager"
        ),
    )
    assert transition.history == (
        StepChange(
            None, "sales_review", None, None, NOW, ChangeReason.START, assigned_role="sales_manager"
        ),
    )


def test_start_sets_one_escalation_timer_per_rule_counted_from_entering(review: Workflow) -> None:
    transition = workflows.start(review, record=RECORD, now=NOW)

    assert [(t.kind, t.due_at, dict(t.payload)) for t in transition.timers_to_set] == [
        ("escalation", NOW + timedelta(hours=24), {"level": 1, "step": "sales_review"}),
        ("escalation", NOW + timedelta(hours=72), {"level": 2, "step": "sales_review"}),
    ]


def test_first_escalation_goes_to_department_head_after_24h(review: Workflow) -> None:
    opened = workflows.start(review, record=RECORD, now=NOW)

    escalated = fire(review, opened.state, opened.timers_to_set[0])

    assert escalated.state.assigned_role == "department_head"
    assert escalated.state.escalation_level == 1
    assert escalated.state.step == "sales_review"
    assert escalated.state.due_at == opened.state.due_at
    assert escalated.timers_to_set == ()
    assert escalated.cancel_timers is False
    assert escalated.history == (
        StepChange(
            "sales_review",
            "sales_review",
            None,
            None,
            NOW + timedelta(hours=24),
            ChangeReason.ESCALATION,
            assigned_role="department_head",
        ),
    )


def test_second_escalation_goes_to_cfo_after_72h(review: Workflow) -> None:
    opened = workflows.start(review, record=RECORD, now=NOW)
    first = fire(review, opened.state, opened.timers_to_set[0])

    second = fire(review, first.state, opened.timers_to_set[1])

    assert second.state.assigned_role == "cfo"
    assert second.state.escalation_level == 2
    assert second.history[0].at == NOW + timedelta(hours=72)


def test_after_escalation_only_the_escalated_to_role_may_act(review: Workflow) -> None:
    opened = workflows.start(review, record=RECORD, now=NOW)
    escalated = fire(review, opened.state, opened.timers_to_set[0])

    with pytest.raises(workflows.ActionNotAllowed) as refused:
        act(review, escalated.state, "propose_terms", roles=SALES_MANAGER)
    moved = act(review, escalated.state, "propose_terms", roles=frozenset({"department_head"}))

    assert refused.value.reason == (
        "'propose_terms' at step 'sales_review' is for role 'department_head', which li.wei does "
        "not hold"
    )
    assert moved.state.step == "finance_approval"


def test_timer_of_a_step_already_left_is_a_noop(review: Workflow) -> None:
    opened = workflows.start(review, record=RECORD, now=NOW)
    moved = act(review, opened.state, "propose_terms", roles=SALES_MANAGER)

    stale = fire(review, moved.state, opened.timers_to_set[0])

    assert stale == Transition(state=moved.state)
    assert stale.is_noop


def test_timer_from_an_earlier_visit_of_the_same_step_is_a_noop(review: Workflow) -> None:
    opened = workflows.start(review, record=RECORD, now=NOW)
    later = NOW + timedelta(hours=2)
    proposed = act(review, opened.state, "propose_terms", roles=SALES_MANAGER, now=later)
    rejected = act(
        review, proposed.state, "reject", roles=FINANCE_HEAD, comment="Too generous", now=later
    )

    stale = fire(review, rejected.state, opened.timers_to_set[0])

    assert rejected.state.step == "sales_review"
    assert stale.is_noop
    assert stale.state == rejected.state


def test_timer_on_a_closed_case_is_a_noop(review: Workflow) -> None:
    opened = workflows.start(review, record=RECORD, now=NOW)
    closed = act(review, opened.state, "no_change", roles=SALES_MANAGER, comment="Known customer")

    assert fire(review, closed.state, opened.timers_to_set[1]) == Transition(state=closed.state)


def test_escalation_level_already_applied_is_a_noop(review: Workflow) -> None:
    opened = workflows.start(review, record=RECORD, now=NOW)
    first = fire(review, opened.state, opened.timers_to_set[0])
    second = fire(review, first.state, opened.timers_to_set[1])

    assert fire(review, second.state, opened.timers_to_set[0]).is_noop
    assert fire(review, second.state, opened.timers_to_set[1]).is_noop


def test_timer_of_another_kind_or_unknown_level_is_a_noop(review: Workflow) -> None:
    state = workflows.start(review, record=RECORD, now=NOW).state
    for event in (
        TimerFired(kind="review", level=1, step="sales_review"),
        TimerFired(kind="escalation", level=3, step="sales_review"),
        TimerFired(kind="escalation", level=None),
    ):
        assert workflows.advance(review, state, event, record=RECORD, now=NOW).is_noop


def test_timer_without_step_or_due_time_still_escalates_the_current_step(
    review: Workflow,
) -> None:
    state = workflows.start(review, record=RECORD, now=NOW).state

    fired = workflows.advance(
        review, state, TimerFired(kind="escalation", level=1), record=RECORD, now=NOW
    )

    assert fired.state.assigned_role == "department_head"


def test_action_for_the_wrong_role_is_refused(review: Workflow) -> None:
    state = workflows.start(review, record=RECORD, now=NOW).state

    with pytest.raises(workflows.ActionNotAllowed) as refused:
        act(review, state, "propose_terms", roles=frozenset({"sales", "finance_head"}))

    assert str(refused.value) == (
        "'propose_terms' at step 'sales_review' is for role 'sales_manager', which li.wei does "
        "not hold"
    )
    assert (refused.value.action, refused.value.step) == ("propose_terms", "sales_review")


def test_admin_does_not_bypass_the_assigned_role(review: Workflow) -> None:
    state = workflows.start(review, record=RECORD, now=NOW).state

    with pytest.raises(workflows.ActionNotAllowed):
        act(review, state, "propose_terms", roles=frozenset({"admin"}))


def test_action_not_at_the_current_step_is_refused(review: Workflow) -> None:
    state = workflows.start(review, record=RECORD, now=NOW).state

    with pytest.raises(workflows.ActionNotAllowed) as refused:
        act(review, state, "approve", roles=SALES_MANAGER)

    assert refused.value.reason == (
        "step 'sales_review' has no action 'approve' (it has: propose_terms, no_change)"
    )


def test_action_on_a_closed_case_is_refused(review: Workflow) -> None:
    state = workflows.start(review, record=RECORD, now=NOW).state
    closed = act(review, state, "no_change", roles=SALES_MANAGER, comment="Known customer").state

    with pytest.raises(workflows.ActionNotAllowed, match="the case is closed"):
        act(review, closed, "no_change", roles=SALES_MANAGER, comment="again")


@pytest.mark.parametrize("comment", [None, "", "   \n"])
def test_action_requiring_a_comment_is_refused_without_one(
    review: Workflow, comment: str | None
) -> None:
    state = workflows.start(review, record=RECORD, now=NOW).state

    with pytest.raises(workflows.CommentRequired) as refused:
        act(review, state, "no_change", roles=SALES_MANAGER, comment=comment)

    assert refused.value.reason == "'no_change' at step 'sales_review' requires a comment"
    assert not isinstance(refused.value, workflows.ActionNotAllowed)


def test_closing_action_records_its_outcome_and_comment(review: Workflow) -> None:
    opened = workflows.start(review, record=RECORD, now=NOW)
    later = NOW + timedelta(hours=3)

    closed = act(
        review,
        opened.state,
        "no_change",
        roles=SALES_MANAGER,
        comment="  Paid in full yesterday ",
        now=later,
    )

    assert closed.state == CaseState(
        step="closed",
        status=CaseStatus.CLOSED,
        outcome="no_change",
        assigned_role=None,
        entered_at=later,
        due_at=None,
        escalation_level=0,
        last_actor="li.wei",
    )
    assert closed.cancel_timers is True
    assert closed.timers_to_set == ()
    assert closed.history == (
        StepChange(
            "sales_review",
            "closed",
            "no_change",
            "li.wei",
            later,
            ChangeReason.ACTION,
            comment="Paid in full yesterday",
        ),
    )


def test_action_moving_to_a_step_cancels_old_timers_and_sets_the_new_steps(
    review: Workflow,
) -> None:
    state = workflows.start(review, record=RECORD, now=NOW).state
    later = NOW + timedelta(hours=5)

    moved = act(review, state, "propose_terms", roles=SALES_MANAGER, now=later)

    assert moved.state.step == "finance_approval"
    assert moved.state.assigned_role == "finance_head"
    assert moved.state.due_at == later + timedelta(hours=48)
    assert moved.state.escalation_level == 0
    assert moved.cancel_timers is True
    assert [(t.due_at, dict(t.payload)) for t in moved.timers_to_set] == [
        (later + timedelta(hours=48), {"level": 1, "step": "finance_approval"}),
    ]


def test_approval_runs_the_do_step_at_once_and_closes_the_case(review: Workflow) -> None:
    state = workflows.start(review, record=RECORD, now=NOW).state
    proposed = act(review, state, "propose_terms", roles=SALES_MANAGER).state

    approved = act(review, proposed, "approve", roles=FINANCE_HEAD, actor="zhang.min")

    assert approved.effects == (
        ChangeTerms(
            values={
                "payment_terms_days": 30,
                "prepayment_pct": 0.3,
                "credit_limit": 500000,
                "order_hold": False,
            },
            step="apply",
        ),
    )
    assert approved.state.status is CaseStatus.CLOSED
    assert approved.state.outcome == "completed"
    assert approved.timers_to_set == ()
    assert [(c.from_step, c.to_step, c.action, c.actor, c.reason) for c in approved.history] == [
        ("finance_approval", "apply", "approve", "zhang.min", ChangeReason.ACTION),
        ("apply", "closed", None, None, ChangeReason.DO),
    ]


def test_reject_sends_the_case_back_to_sales_review_afresh(review: Workflow) -> None:
    opened = workflows.start(review, record=RECORD, now=NOW)
    escalated = fire(review, opened.state, opened.timers_to_set[0]).state
    proposed = act(review, escalated, "propose_terms", roles=frozenset({"department_head"})).state
    later = NOW + timedelta(days=2)

    rejected = act(review, proposed, "reject", roles=FINANCE_HEAD, comment="No", now=later)

    assert rejected.state.assigned_role == "sales_manager"
    assert rejected.state.escalation_level == 0
    assert rejected.state.entered_at == later
    assert [t.due_at for t in rejected.timers_to_set] == [
        later + timedelta(hours=24),
        later + timedelta(hours=72),
    ]


def test_available_actions_are_those_of_the_step_for_its_assigned_role(review: Workflow) -> None:
    state = workflows.start(review, record=RECORD, now=NOW).state

    assert workflows.available_actions(review, state, {"sales_manager", "sales"}) == (
        "propose_terms",
        "no_change",
    )
    assert workflows.available_actions(review, state, ("finance_head", "admin")) == ()


def test_available_actions_of_a_closed_case_are_none(review: Workflow) -> None:
    state = workflows.start(review, record=RECORD, now=NOW).state
    closed = act(review, state, "no_change", roles=SALES_MANAGER, comment="ok").state

    assert workflows.available_actions(review, closed, SALES_MANAGER) == ()


def test_start_at_a_do_step_runs_it_and_moves_on() -> None:
    source = """\
workflow: hold_orders
trigger: {on: tier_changed}
start: hold
steps:
  hold:
    do:
      - change_terms: {order_hold: true}
    to: unhold
  unhold:
    do:
      - change_terms: {order_hold: false, payment_terms_days: 15}
    to: confirm
  confirm:
    assignee: {role: finance_head}
    actions:
      done: {to: closed}
"""
    workflow = load(source)

    started = workflows.start(workflow, record=RECORD, now=NOW)

    assert started.effects == (
        ChangeTerms(values={"order_hold": True}, step="hold"),
        ChangeTerms(values={"order_hold": False, "payment_terms_days": 15}, step="unhold"),
        SendNotification(
            kind=NotificationKind.ASSIGNED, step="confirm", assigned_role="finance_head"
        ),
    )
    assert started.state.step == "confirm"
    assert [(c.from_step, c.to_step, c.reason) for c in started.history] == [
        (None, "hold", ChangeReason.START),
        ("hold", "unhold", ChangeReason.DO),
        ("unhold", "confirm", ChangeReason.DO),
    ]


def test_a_step_without_sla_or_escalation_has_no_due_date_and_no_timers() -> None:
    source = """\
workflow: simple
trigger: {on: tier_changed}
start: look
steps:
  look:
    assignee: {role: sales}
    actions:
      done: {to: closed}
"""
    started = workflows.start(load(source), record=RECORD, now=NOW)

    assert started.state.due_at is None
    assert started.timers_to_set == ()


def _run_review(review: Workflow, *, save_between_steps: bool) -> list[Transition]:
    """Open a case, escalate it, propose, reject, propose, approve; optionally reloading the state
    through its stored JSON form between every step."""

    def keep(state: CaseState) -> CaseState:
        if not save_between_steps:
            return state
        return CaseState.from_dict(_json_round_trip(state.to_dict()))

    steps: list[Transition] = []
    opened = workflows.start(review, record=RECORD, now=NOW)
    steps.append(opened)
    state = keep(opened.state)
    steps.append(fire(review, state, opened.timers_to_set[0]))
    state = keep(steps[-1].state)
    head = frozenset({"department_head"})
    t2 = NOW + timedelta(hours=30)
    steps.append(act(review, state, "propose_terms", roles=head, now=t2))
    state = keep(steps[-1].state)
    steps.append(fire(review, state, opened.timers_to_set[1]))  # stale by now
    state = keep(steps[-1].state)
    steps.append(act(review, state, "reject", roles=FINANCE_HEAD, comment="why?", now=t2))
    state = keep(steps[-1].state)
    t3 = t2 + timedelta(hours=1)
    steps.append(act(review, state, "propose_terms", roles=SALES_MANAGER, now=t3))
    state = keep(steps[-1].state)
    steps.append(act(review, state, "approve", roles=FINANCE_HEAD, now=t3))
    return steps


def _json_round_trip(data: dict[str, object]) -> dict[str, object]:
    stored: dict[str, object] = json.loads(json.dumps(data))
    return stored


def test_save_reload_and_continue_gives_the_same_result(review: Workflow) -> None:
    straight = _run_review(review, save_between_steps=False)
    reloaded = _run_review(review, save_between_steps=True)

    assert reloaded == straight
    assert reloaded[-1].state.status is CaseStatus.CLOSED


def test_same_definition_loaded_twice_runs_the_same() -> None:
    first, second = load(HIGH_RISK_REVIEW_LITERAL), load(HIGH_RISK_REVIEW_LITERAL)

    assert _run_review(first, save_between_steps=True) == _run_review(
        second, save_between_steps=True
    )
