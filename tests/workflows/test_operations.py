"""Assignees, action forms, do operations as effects, cancel_when and added reasons."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import MappingProxyType

import pytest

import workflows
from tests.workflows.builders import (
    SPAN,
    action,
    at,
    change_terms,
    do,
    duration,
    notify,
    owner,
    role,
    task,
    user,
    values,
    workflow,
)
from tests.workflows.conftest import RECORD
from workflows import (
    AddReason,
    ChangeReason,
    ChangeTerms,
    DecideOrder,
    Env,
    NotificationKind,
    NotifyOp,
    OrderDecision,
    OrderDecisionOp,
    RecordChanged,
    SendNotification,
    SetFieldOp,
    SetFields,
    StartOp,
    StartWorkflow,
    TakeAction,
    Workflow,
)

SHANGHAI = timezone(timedelta(hours=8))
SALES = frozenset({"sales_manager"})


def proposal(*operations: workflows.Operation) -> Workflow:
    return workflow(
        [
            task(
                "propose",
                role("sales_manager"),
                [
                    action("propose_terms", "apply", form="credit_terms_proposal"),
                    action("note", "propose"),
                    action("revise", "propose", form="credit_terms_proposal"),
                ],
            ),
            do("apply", operations, "closed"),
        ],
        cancel_when="order_hold == true",
    )


def propose(
    flow: Workflow,
    data: dict[str, object],
    *,
    name: str = "propose_terms",
    now: datetime | None = None,
    env: Env = Env(),
) -> workflows.Transition:
    state = workflows.start(flow, record=RECORD, now=at(2), env=env).state
    event = TakeAction(name, "li.wei", SALES, data=data)
    return workflows.advance(flow, state, event, record=RECORD, now=now or at(2, 10), env=env)


def test_role_assignee_in_a_named_department() -> None:
    flow = workflow([task("look", role("legal", "headquarters"), [action("done", "closed")])])

    state = workflows.start(flow, record=RECORD, now=at(2)).state

    assert (state.assigned_role, state.assigned_department, state.assigned_user) == (
        "legal",
        "headquarters",
        None,
    )


def test_owner_assignee_goes_to_the_customers_owner_alone() -> None:
    flow = workflow([task("call", owner(), [action("done", "closed")])])

    opened = workflows.start(flow, record=RECORD, now=at(2), env=Env(owner="li.wei"))

    assert (opened.state.assigned_user, opened.state.assigned_role) == ("li.wei", None)
    assert opened.effects == (
        SendNotification(kind=NotificationKind.ASSIGNED, step="call", assigned_user="li.wei"),
    )
    with pytest.raises(workflows.ActionNotAllowed) as refused:
        workflows.advance(
            flow,
            opened.state,
            TakeAction("done", "zhang.min", {"sales_manager", "admin"}),
            record=RECORD,
            now=at(2),
        )
    assert refused.value.reason == "'done' at step 'call' is for li.wei, not for zhang.min"


def test_owner_assignee_of_a_customer_without_owner_falls_back_to_admin() -> None:
    flow = workflow([task("call", owner(), [action("done", "closed")])])

    state = workflows.start(flow, record=RECORD, now=at(2)).state

    assert (state.assigned_role, state.assigned_user) == ("admin", None)
    assert workflows.available_actions(flow, state, {"admin"}) == ("done",)


def test_user_assignee_only_that_user_may_act() -> None:
    flow = workflow([task("sign", user("chen.cfo"), [action("done", "closed")])])
    state = workflows.start(flow, record=RECORD, now=at(2)).state

    done = workflows.advance(
        flow, state, TakeAction("done", "chen.cfo", ()), record=RECORD, now=at(2)
    )

    assert done.state.outcome == "done"
    assert workflows.available_actions(flow, state, {"cfo"}) == ()


def test_action_form_data_is_kept_on_the_case_later_fields_winning() -> None:
    flow = proposal(change_terms(credit_limit="=case.data.proposed_limit"))
    state = workflows.start(flow, record=RECORD, now=at(2)).state
    revise = TakeAction("revise", "li.wei", SALES, data={"proposed_limit": 1, "proposed_days": 30})
    note = TakeAction("note", "li.wei", SALES, data={"proposed_days": 99})

    revised = workflows.advance(flow, state, revise, record=RECORD, now=at(2)).state
    noted = workflows.advance(flow, revised, note, record=RECORD, now=at(2)).state
    again = TakeAction("propose_terms", "li.wei", SALES, data={"proposed_limit": 250_000})
    applied = workflows.advance(flow, noted, again, record=RECORD, now=at(2))

    assert dict(revised.data) == {"proposed_limit": 1, "proposed_days": 30}
    assert dict(noted.data) == dict(revised.data)  # an action without a form keeps no data
    assert applied.effects == (ChangeTerms(values={"credit_limit": 250_000}, step="apply"),)
    assert dict(applied.state.data) == {"proposed_limit": 250_000, "proposed_days": 30}
    assert dict(applied.history[0].data) == {"proposed_limit": 250_000}


def test_a_missing_form_value_leaves_the_term_unchanged() -> None:
    flow = proposal(change_terms(credit_limit="=case.data.proposed_limit", order_hold=False))

    applied = propose(flow, {})

    assert applied.effects == (
        ChangeTerms(values={"order_hold": False}, step="apply", missing=("credit_limit",)),
    )


def test_temporary_terms_until_a_business_duration() -> None:
    flow = proposal(change_terms(until=duration("5bd"), order_hold=True))

    applied = propose(flow, {}, now=at(6, 10))  # Friday

    assert applied.effects == (
        ChangeTerms(values={"order_hold": True}, step="apply", until=at(13, 10)),
    )


def test_temporary_terms_until_a_date_end_at_its_midnight_in_the_time_zone() -> None:
    flow = proposal(
        change_terms(until=date(2026, 4, 1), restore_when="max_overdue_days < 30", credit_limit=1)
    )

    applied = propose(flow, {}, env=Env(tz=SHANGHAI))

    (effect,) = applied.effects
    assert isinstance(effect, ChangeTerms)
    assert effect.until == datetime(2026, 3, 31, 16, tzinfo=UTC)
    assert effect.restore_when == "max_overdue_days < 30"


def test_notify_start_set_field_and_order_decision_become_effects() -> None:
    flow = proposal(
        NotifyOp(notify(role("sales"), template="terms_changed"), SPAN),
        NotifyOp(notify(message={"en": "Done", "zh": "完成"}), SPAN),
        StartOp("periodic_review", SPAN),
        SetFieldOp(values(next_contact="=name", checked=True), SPAN),
        OrderDecisionOp(OrderDecision.RELEASE, SPAN),
    )

    applied = propose(flow, {})

    assert applied.effects == (
        SendNotification(
            kind=NotificationKind.NOTIFY,
            step="apply",
            to=role("sales"),
            assigned_role="sales",
            template="terms_changed",
        ),
        SendNotification(
            kind=NotificationKind.NOTIFY,
            step="apply",
            assigned_role="sales_manager",  # the assignees the case came from
            message=MappingProxyType({"en": "Done", "zh": "完成"}),
        ),
        StartWorkflow(key="periodic_review", step="apply"),
        SetFields(values={"next_contact": "Acme Machining", "checked": True}, step="apply"),
        DecideOrder(decision=OrderDecision.RELEASE, step="apply"),
    )


def test_a_later_operation_reads_the_terms_as_changed() -> None:
    flow = proposal(
        change_terms(credit_limit=400_000),
        change_terms(payment_terms_days="=if credit_limit < 500000 then 30 else 60"),
    )

    applied = propose(flow, {})

    assert applied.effects[1] == ChangeTerms(values={"payment_terms_days": 30}, step="apply")


def test_record_change_meeting_cancel_when_closes_the_case_as_superseded() -> None:
    flow = proposal(change_terms(order_hold=False))
    state = workflows.start(flow, record=RECORD, now=at(2)).state

    unchanged = workflows.advance(flow, state, RecordChanged(), record=RECORD, now=at(3))
    cancelled = workflows.advance(
        flow, state, RecordChanged(), record={**RECORD, "order_hold": True}, now=at(3)
    )
    again = workflows.advance(
        flow, cancelled.state, RecordChanged(), record={**RECORD, "order_hold": True}, now=at(4)
    )

    assert unchanged.is_noop
    assert (cancelled.state.step, cancelled.state.outcome) == ("closed", "superseded")
    assert cancelled.cancel_timers is True
    assert [(c.from_step, c.to_step, c.reason) for c in cancelled.history] == [
        ("propose", "closed", ChangeReason.SUPERSEDED)
    ]
    assert again.is_noop


def test_add_reason_is_history_only() -> None:
    flow = proposal(change_terms(order_hold=False))
    state = workflows.start(flow, record=RECORD, now=at(2)).state
    reason = {"trigger": "tier_changed", "tier": "high"}

    added = workflows.advance(flow, state, AddReason(reason), record=RECORD, now=at(3))

    assert added.state == state
    assert added.effects == () and added.timers_to_set == () and not added.cancel_timers
    assert [(c.to_step, c.reason, dict(c.data)) for c in added.history] == [
        ("propose", ChangeReason.REASON_ADDED, reason)
    ]
