"""Deadlines on a working calendar, reminders before them, escalations that reassign, notify or
take an action by themselves."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import workflows
from tests.workflows.builders import (
    action,
    at,
    change_terms,
    do,
    escalate,
    notify,
    role,
    task,
    user,
    workflow,
)
from tests.workflows.conftest import RECORD
from workflows import (
    Calendar,
    CaseState,
    ChangeReason,
    ChangeTerms,
    Env,
    NotificationKind,
    SendNotification,
    TimerFired,
    TimerRequest,
    Transition,
    Workflow,
)

SHANGHAI = timezone(timedelta(hours=8))


def fire(
    flow: Workflow, state: CaseState, request: TimerRequest, *, env: Env = Env()
) -> Transition:
    event = TimerFired(kind=request.kind, due_at=request.due_at, **request.payload)
    return workflows.advance(flow, state, event, record=RECORD, now=request.due_at, env=env)


def review(**step: object) -> Workflow:
    return workflow(
        [
            task(
                "review",
                role("finance_head"),
                [action("decide", "closed"), action("hold", "hold_orders")],
                **step,  # type: ignore[arg-type]
            ),
            do("hold_orders", [change_terms(order_hold=True)], "held"),
            task("held", role("finance_head"), [action("release", "closed")]),
        ]
    )


def test_business_day_sla_skips_the_weekend() -> None:
    flow = review(sla="2bd")

    friday = workflows.start(flow, record=RECORD, now=at(6, 15))

    assert friday.state.due_at == at(10, 15)  # Tuesday, same time


def test_business_days_count_on_the_given_calendar_and_time_zone() -> None:
    flow = review(sla="1bd")
    # Monday 9 March is a holiday, Saturday 7 March a make-up working day
    calendar = Calendar(
        name="cn", holidays=frozenset({date(2026, 3, 9)}), workdays=frozenset({date(2026, 3, 7)})
    )
    env = Env(calendar=calendar, tz=SHANGHAI)

    friday = workflows.start(flow, record=RECORD, now=at(6, 1), env=env)  # 09:00 in Shanghai
    # 18:00 UTC on Friday is 02:00 on Saturday in Shanghai: counted from Saturday there
    saturday = workflows.start(flow, record=RECORD, now=at(6, 18), env=env)

    assert friday.state.due_at == datetime(2026, 3, 7, 9, tzinfo=SHANGHAI)  # make-up working day
    assert saturday.state.due_at == datetime(2026, 3, 10, 2, tzinfo=SHANGHAI)  # past the holiday


def test_reminders_are_set_before_the_deadline_and_notify_the_current_assignees() -> None:
    flow = review(sla="48h", remind=["4h", "1bd"])
    opened = workflows.start(flow, record=RECORD, now=at(2))

    reminders = [t for t in opened.timers_to_set if t.kind == "reminder"]
    reminded = fire(flow, opened.state, reminders[0])

    assert [(t.due_at, dict(t.payload)) for t in reminders] == [
        (at(4, 5), {"index": 0, "step": "review"}),
        (at(3, 9), {"index": 1, "step": "review"}),
    ]
    assert reminded.state == opened.state
    assert reminded.history == () and reminded.timers_to_set == ()
    assert reminded.effects == (
        SendNotification(
            kind=NotificationKind.REMINDER, step="review", assigned_role="finance_head"
        ),
    )


def test_a_reminder_that_would_come_before_the_step_is_entered_is_not_set() -> None:
    flow = review(sla="2h", remind=["3h"])

    opened = workflows.start(flow, record=RECORD, now=at(2))

    assert [t.kind for t in opened.timers_to_set] == []


def test_a_reminder_of_an_earlier_visit_or_a_left_step_is_a_noop() -> None:
    flow = review(sla="48h", remind=["4h"])
    opened = workflows.start(flow, record=RECORD, now=at(2))
    (reminder,) = opened.timers_to_set
    held = workflows.advance(
        flow,
        opened.state,
        workflows.TakeAction("hold", "zhang.min", {"finance_head"}),
        record=RECORD,
        now=at(2, 10),
    )
    earlier_visit = workflows.start(flow, record=RECORD, now=at(2, 8)).state

    assert fire(flow, held.state, reminder).is_noop
    assert fire(flow, earlier_visit, reminder).is_noop
    assert workflows.advance(
        flow, opened.state, TimerFired(kind="reminder", index=5), record=RECORD, now=at(3)
    ).is_noop


def test_escalation_to_a_user_reassigns_to_them_alone_and_tells_them() -> None:
    flow = review(escalations=[escalate(1, "24h", to=user("chen.cfo"))])
    opened = workflows.start(flow, record=RECORD, now=at(2))

    escalated = fire(flow, opened.state, opened.timers_to_set[0])

    assert (escalated.state.assigned_user, escalated.state.assigned_role) == ("chen.cfo", None)
    assert escalated.effects == (
        SendNotification(kind=NotificationKind.ESCALATED, step="review", assigned_user="chen.cfo"),
    )
    assert escalated.history[0].assigned_user == "chen.cfo"
    assert workflows.available_actions(flow, escalated.state, set(), actor="chen.cfo") == (
        "decide",
        "hold",
    )
    assert workflows.available_actions(flow, escalated.state, {"finance_head"}, actor="x") == ()


def test_escalation_to_a_role_in_a_named_department() -> None:
    flow = review(escalations=[escalate(1, "24h", to=role("cfo", "headquarters"))])
    opened = workflows.start(flow, record=RECORD, now=at(2))

    escalated = fire(flow, opened.state, opened.timers_to_set[0])

    assert (escalated.state.assigned_role, escalated.state.assigned_department) == (
        "cfo",
        "headquarters",
    )


def test_escalation_notify_only_keeps_the_assignee_and_tells_whom_it_names() -> None:
    flow = review(
        escalations=[escalate(1, "24h", notify=notify(role("cfo"), template="overdue_case"))]
    )
    opened = workflows.start(flow, record=RECORD, now=at(2))

    escalated = fire(flow, opened.state, opened.timers_to_set[0])

    assert escalated.state.assigned_role == "finance_head"
    assert escalated.state.escalation_level == 1
    assert escalated.effects == (
        SendNotification(
            kind=NotificationKind.ESCALATED,
            step="review",
            to=role("cfo"),
            assigned_role="cfo",
            template="overdue_case",
        ),
    )
    assert [c.reason for c in escalated.history] == [ChangeReason.ESCALATION]


def test_escalation_action_holds_new_orders_after_five_business_days() -> None:
    flow = review(escalations=[escalate(1, "5bd", action="hold")])
    opened = workflows.start(flow, record=RECORD, now=at(2))
    (timer,) = opened.timers_to_set

    held = fire(flow, opened.state, timer)

    assert timer.due_at == at(9)  # Monday to Monday
    assert held.state.step == "held"
    assert held.cancel_timers is True
    assert held.effects[0] == ChangeTerms(values={"order_hold": True}, step="hold_orders")
    assert [(c.from_step, c.to_step, c.action, c.actor, c.reason) for c in held.history] == [
        ("review", "hold_orders", "hold", None, ChangeReason.ESCALATION),
        ("hold_orders", "held", None, None, ChangeReason.DO),
    ]


def test_escalation_reassigns_then_takes_its_action() -> None:
    flow = review(escalations=[escalate(1, "24h", to=role("cfo"), action="hold")])
    opened = workflows.start(flow, record=RECORD, now=at(2))

    held = fire(flow, opened.state, opened.timers_to_set[0])

    assert [c.reason for c in held.history] == [
        ChangeReason.ESCALATION,
        ChangeReason.ESCALATION,
        ChangeReason.DO,
    ]
    assert held.state.step == "held"


def test_stale_escalation_timer_is_checked_on_the_calendar() -> None:
    flow = review(escalations=[escalate(1, "1bd", to=role("cfo"))])
    opened = workflows.start(flow, record=RECORD, now=at(6, 15))  # Friday
    (timer,) = opened.timers_to_set

    assert timer.due_at == at(9, 15)
    assert fire(flow, opened.state, timer).state.assigned_role == "cfo"
    shifted = TimerRequest(timer.kind, timer.due_at - timedelta(days=3), timer.payload)
    assert fire(flow, opened.state, shifted).is_noop
