"""The credit-policy example of docs/workflows.md (tests/workflows/data/credit_policy.yaml), loaded
from YAML and run: reminder, escalation, four-eyes refusal, a quorum of two, the proposed terms
applied from the action form, the automatic order hold, and cancel_when."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import workflows
from tests.workflows.conftest import RECORD, load_policy
from workflows import (
    CaseState,
    ChangeReason,
    ChangeTerms,
    Env,
    FourEyesRefused,
    NotificationKind,
    RecordChanged,
    SendNotification,
    SetFields,
    StartWorkflow,
    TakeAction,
    TimerFired,
    TimerRequest,
    Transition,
    Workflow,
)

DATA = Path(__file__).parent / "data"
MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)
ENV = Env(owner="li.wei")
SALES = frozenset({"sales_manager"})
FINANCE = frozenset({"finance_head"})


@pytest.fixture
def policy() -> Workflow:
    return load_policy((DATA / "credit_policy.yaml").read_text(encoding="utf-8"))


def reloaded(state: CaseState) -> CaseState:
    return CaseState.from_dict(json.loads(json.dumps(state.to_dict())))


def act(
    flow: Workflow,
    state: CaseState,
    name: str,
    actor: str,
    roles: frozenset[str],
    *,
    now: datetime,
    **extra: object,
) -> Transition:
    event = TakeAction(name, actor, roles, **extra)  # type: ignore[arg-type]
    return workflows.advance(flow, reloaded(state), event, record=RECORD, now=now, env=ENV)


def fire(flow: Workflow, state: CaseState, timer: TimerRequest) -> Transition:
    event = TimerFired(kind=timer.kind, due_at=timer.due_at, **timer.payload)
    return workflows.advance(flow, reloaded(state), event, record=RECORD, now=timer.due_at, env=ENV)


def test_proposal_four_eyes_quorum_and_the_proposed_terms(policy: Workflow) -> None:
    opened = workflows.start(policy, record=RECORD, now=MONDAY, env=ENV)
    reminder, first, second = sorted(opened.timers_to_set, key=lambda t: t.due_at)
    reminded = fire(policy, opened.state, reminder)
    escalated = fire(policy, opened.state, first)
    head = frozenset({"department_head", "finance_head"})
    proposal = {"proposed_limit": 300_000, "proposed_days": 0}
    later = MONDAY + timedelta(days=2, hours=1)
    proposed = act(
        policy, escalated.state, "propose_terms", "wang.head", head, now=later, data=proposal
    )

    with pytest.raises(FourEyesRefused):
        act(policy, proposed.state, "approve", "wang.head", head, now=later)
    one = act(policy, proposed.state, "approve", "zhang.min", FINANCE, now=later)
    two = act(policy, one.state, "approve", "zhao.lei", FINANCE, now=later)

    assert reminder.due_at == MONDAY + timedelta(days=2) - timedelta(hours=4)
    assert reminded.effects[0].kind is NotificationKind.REMINDER  # type: ignore[union-attr]
    assert escalated.state.assigned_role == "department_head"
    assert second.payload["level"] == 2
    assert [c.reason for c in one.history] == [ChangeReason.VOTE]
    assert two.state.outcome == "completed"
    changed, fields, notice, started = two.effects
    assert isinstance(changed, ChangeTerms)
    assert changed.values["credit_limit"] == 300_000
    assert changed.values["payment_terms_days"] == 30
    assert fields == SetFields(values={"watchlist": True, "max_overdue_days": 0}, step="apply")
    assert isinstance(notice, SendNotification) and notice.template == "terms_changed"
    assert started == StartWorkflow(key="periodic_review", step="apply")


def test_nobody_decided_in_five_business_days_holds_the_orders(policy: Workflow) -> None:
    opened = workflows.start(policy, record=RECORD, now=MONDAY, env=ENV)
    hold_timer = max(opened.timers_to_set, key=lambda t: t.due_at)

    held = fire(policy, opened.state, hold_timer)

    assert hold_timer.due_at == MONDAY + timedelta(days=7)  # five working days: next Monday
    assert held.state.outcome == "completed"
    terms, told = held.effects
    assert isinstance(terms, ChangeTerms)
    assert terms.values == {"order_hold": True}
    assert terms.until == hold_timer.due_at + timedelta(days=30)
    assert terms.restore_when == "max_overdue_days == 0"
    assert isinstance(told, SendNotification) and told.assigned_user == "li.wei"
    assert (held.history[0].action, held.history[0].actor, held.history[0].reason) == (
        "hold_orders",
        None,
        ChangeReason.ESCALATION,
    )


def test_dropping_to_low_while_sales_reviews_supersedes_the_case(policy: Workflow) -> None:
    opened = workflows.start(policy, record=RECORD, now=MONDAY, env=ENV)
    low = {**RECORD, "assessment": {**RECORD["assessment"], "tier": "low"}}  # type: ignore[dict-item]

    cancelled = workflows.advance(
        policy, opened.state, RecordChanged(), record=low, now=MONDAY + timedelta(hours=1)
    )

    assert (cancelled.state.step, cancelled.state.outcome) == ("closed", "superseded")
    assert cancelled.cancel_timers
