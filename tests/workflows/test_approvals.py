"""Approvals: votes towards a quorum (any, N, all of the eligible), four eyes, a second vote."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

import workflows
from tests.workflows.builders import action, approval, at, escalate, task, workflow
from tests.workflows.builders import role as role_of
from tests.workflows.builders import user as user_of
from tests.workflows.conftest import RECORD
from workflows import (
    AlreadyVoted,
    CaseState,
    ChangeReason,
    FourEyesRefused,
    Quorum,
    TakeAction,
    Transition,
    Workflow,
)

PROPOSE = frozenset({"sales_manager"})
FINANCE = frozenset({"finance_head"})


def two_level(quorum: Quorum | int, *, four_eyes: bool = True) -> Workflow:
    """A proposal, then an approval by finance heads with `quorum`."""
    return workflow(
        [
            task("propose", role_of("sales_manager"), [action("propose_terms", "approval")]),
            task(
                "approval",
                role_of("finance_head"),
                [
                    action("approve", "closed", outcome="approved"),
                    action("reject", "propose", requires_comment=True),
                ],
                sla="48h",
                escalations=[escalate(1, "48h", to=role_of("cfo"))],
                approval=approval(quorum, four_eyes=four_eyes),
            ),
        ]
    )


def act(
    flow: Workflow,
    state: CaseState,
    name: str,
    actor: str,
    roles: frozenset[str],
    *,
    comment: str | None = None,
    eligible: frozenset[str] | None = None,
    now: datetime | None = None,
) -> Transition:
    event = TakeAction(name, actor, roles, comment=comment, eligible=eligible)
    return workflows.advance(flow, state, event, record=RECORD, now=now or at(2, 10))


def proposed(flow: Workflow, *, by: str = "li.wei", roles: frozenset[str] = PROPOSE) -> CaseState:
    opened = workflows.start(flow, record=RECORD, now=at(2)).state
    return act(flow, opened, "propose_terms", by, roles).state


def test_a_vote_short_of_the_quorum_is_counted_and_the_case_stays() -> None:
    flow = two_level(2)
    state = proposed(flow)

    voted = act(flow, state, "approve", "zhang.min", FINANCE, comment="fine", now=at(2, 11))

    assert voted.state.step == "approval"
    assert [(v.actor, v.at, v.comment) for v in voted.state.votes] == [
        ("zhang.min", at(2, 11), "fine")
    ]
    assert voted.state.last_actor == "zhang.min"
    assert voted.state.due_at == state.due_at
    assert voted.cancel_timers is False and voted.timers_to_set == ()
    assert [(c.from_step, c.to_step, c.action, c.actor, c.reason) for c in voted.history] == [
        ("approval", "approval", "approve", "zhang.min", ChangeReason.VOTE)
    ]


def test_the_second_distinct_approver_reaches_a_quorum_of_two() -> None:
    flow = two_level(2)
    first = act(flow, proposed(flow), "approve", "zhang.min", FINANCE).state

    second = act(flow, first, "approve", "wang.fang", FINANCE)

    assert second.state.outcome == "approved"
    assert second.cancel_timers is True
    assert [(c.action, c.actor, c.reason) for c in second.history] == [
        ("approve", "wang.fang", ChangeReason.ACTION)
    ]


def test_a_person_may_not_approve_twice() -> None:
    flow = two_level(2)
    first = act(flow, proposed(flow), "approve", "zhang.min", FINANCE).state

    with pytest.raises(AlreadyVoted) as refused:
        act(flow, first, "approve", "zhang.min", FINANCE)

    assert refused.value.reason == ("zhang.min has already approved 'approve' at step 'approval'")
    assert isinstance(refused.value, workflows.CaseActionError)


def test_four_eyes_refuses_the_proposer_even_holding_the_approving_role() -> None:
    flow = two_level(Quorum.ANY)
    both = frozenset({"sales_manager", "finance_head"})
    state = proposed(flow, by="li.wei", roles=both)

    with pytest.raises(FourEyesRefused) as refused:
        act(flow, state, "approve", "li.wei", both)
    approved = act(flow, state, "approve", "zhang.min", FINANCE)

    assert refused.value.reason == (
        "four eyes: li.wei proposed it, so someone else must take 'approve' at step 'approval'"
    )
    assert refused.value.message is not None
    assert refused.value.message.id.startswith("four eyes: %(actor)s %(role)s")
    assert approved.state.outcome == "approved"


def test_four_eyes_refuses_the_last_actor_when_an_escalation_moved_the_case() -> None:
    flow = workflow(
        [
            task(
                "propose",
                role_of("sales_manager"),
                [action("note", "propose"), action("submit", "approval")],
                escalations=[escalate(1, "24h", action="submit")],
            ),
            task(
                "approval",
                role_of("finance_head"),
                [action("approve", "closed")],
                approval=approval(four_eyes=True),
            ),
        ]
    )
    opened = workflows.start(flow, record=RECORD, now=at(2))
    noted = act(flow, opened.state, "note", "li.wei", frozenset({"sales_manager", "finance_head"}))
    timer = noted.timers_to_set[0]
    fired = workflows.advance(
        flow,
        noted.state,
        workflows.TimerFired(kind=timer.kind, due_at=timer.due_at, **timer.payload),
        record=RECORD,
        now=timer.due_at,
    )

    assert (fired.state.step, fired.state.entered_by, fired.state.last_actor) == (
        "approval",
        None,
        "li.wei",
    )
    with pytest.raises(FourEyesRefused, match=r"li\.wei was the last to act on it"):
        act(flow, fired.state, "approve", "li.wei", frozenset({"finance_head"}))


def test_without_four_eyes_the_proposer_may_approve() -> None:
    flow = two_level(Quorum.ANY, four_eyes=False)
    both = frozenset({"sales_manager", "finance_head"})
    state = proposed(flow, roles=both)

    assert act(flow, state, "approve", "li.wei", both).state.outcome == "approved"


def test_quorum_all_waits_for_every_eligible_approver_but_the_excluded_proposer() -> None:
    flow = two_level(Quorum.ALL)
    both = frozenset({"sales_manager", "finance_head"})
    state = proposed(flow, by="li.wei", roles=both)
    eligible = frozenset({"li.wei", "zhang.min", "wang.fang"})

    first = act(flow, state, "approve", "zhang.min", FINANCE, eligible=eligible)
    second = act(flow, first.state, "approve", "wang.fang", FINANCE, eligible=eligible)

    assert first.state.step == "approval"
    assert second.state.outcome == "approved"


def test_quorum_all_with_only_the_proposer_eligible_needs_one_other_approval() -> None:
    flow = two_level(Quorum.ALL)
    state = proposed(flow, by="li.wei")

    approved = act(flow, state, "approve", "zhang.min", FINANCE, eligible=frozenset({"li.wei"}))

    assert approved.state.outcome == "approved"


def test_reject_takes_effect_at_once_and_votes_start_afresh_on_the_next_visit() -> None:
    flow = two_level(2)
    voted = act(flow, proposed(flow), "approve", "zhang.min", FINANCE).state

    rejected = act(flow, voted, "reject", "wang.fang", FINANCE, comment="no").state
    again = act(flow, rejected, "propose_terms", "li.wei", PROPOSE).state

    assert rejected.step == "propose" and rejected.votes == ()
    assert again.step == "approval" and again.votes == ()
    assert act(flow, again, "approve", "zhang.min", FINANCE).state.step == "approval"


def test_a_vote_needs_the_approving_role() -> None:
    flow = two_level(2)

    with pytest.raises(workflows.ActionNotAllowed):
        act(flow, proposed(flow), "approve", "zhang.min", frozenset({"sales"}))


def test_available_actions_hide_approve_from_the_proposer_and_from_who_has_voted() -> None:
    flow = two_level(2)
    both = frozenset({"sales_manager", "finance_head"})
    state = proposed(flow, by="li.wei", roles=both)
    voted = act(flow, state, "approve", "zhang.min", FINANCE).state

    assert workflows.available_actions(flow, state, both, actor="li.wei") == ("reject",)
    assert workflows.available_actions(flow, voted, FINANCE, actor="zhang.min") == ("reject",)
    assert workflows.available_actions(flow, voted, FINANCE, actor="wang.fang") == (
        "approve",
        "reject",
    )


def test_a_system_action_skips_role_comment_and_four_eyes_checks() -> None:
    flow = two_level(2)
    state = proposed(flow, by="li.wei")
    event = TakeAction("reject", "", (), comment=None, system=True)

    rejected = workflows.advance(flow, state, event, record=RECORD, now=at(3))

    assert rejected.state.step == "propose"
    assert [(c.action, c.actor, c.reason) for c in rejected.history] == [
        ("reject", None, ChangeReason.ESCALATION)
    ]


def test_votes_survive_saving_and_reloading_the_case() -> None:
    flow = two_level(2)
    voted = act(flow, proposed(flow), "approve", "zhang.min", FINANCE, comment="ok").state

    reloaded = CaseState.from_dict(json.loads(json.dumps(voted.to_dict())))
    second = act(flow, reloaded, "approve", "wang.fang", FINANCE, now=at(2) + timedelta(hours=3))

    assert reloaded == voted
    assert second.state.outcome == "approved"
    with pytest.raises(AlreadyVoted):
        act(flow, reloaded, "approve", "zhang.min", FINANCE)


def _for(name: str, actor: str, roles: frozenset[str], on_behalf_of: str) -> TakeAction:
    return TakeAction(name, actor, roles, on_behalf_of=on_behalf_of)


def test_a_delegates_vote_counts_as_the_delegators_and_survives_reloading() -> None:
    flow = two_level(2)
    state = proposed(flow)
    event = _for("approve", "chen.jie", FINANCE, "zhang.min")

    voted = workflows.advance(flow, state, event, record=RECORD, now=at(2, 10)).state
    reloaded = CaseState.from_dict(json.loads(json.dumps(voted.to_dict())))

    assert [(v.actor, v.on_behalf_of, v.voter) for v in reloaded.votes] == [
        ("chen.jie", "zhang.min", "zhang.min")
    ]
    with pytest.raises(AlreadyVoted, match=r"zhang\.min has already approved"):
        act(flow, reloaded, "approve", "zhang.min", FINANCE)  # back from leave: counted already
    assert act(flow, reloaded, "approve", "wang.fang", FINANCE).state.outcome == "approved"


def test_four_eyes_refuses_a_delegate_standing_in_for_the_proposer() -> None:
    flow = two_level(Quorum.ANY)
    both = frozenset({"sales_manager", "finance_head"})
    state = proposed(flow, by="li.wei", roles=both)
    event = _for("approve", "chen.jie", both, "li.wei")

    with pytest.raises(FourEyesRefused, match=r"four eyes: li\.wei proposed it"):
        workflows.advance(flow, state, event, record=RECORD, now=at(2, 10))
    offered = workflows.available_actions(
        flow, state, both, actor="chen.jie", on_behalf_of="li.wei"
    )
    assert offered == ("reject",)


def test_a_delegate_acts_on_a_step_assigned_to_the_delegator_by_name() -> None:
    flow = workflow([task("look", user_of("li.wei"), [action("done", "closed")])])
    state = workflows.start(flow, record=RECORD, now=at(2)).state

    with pytest.raises(workflows.ActionNotAllowed, match=r"is for li\.wei, not for chen\.jie"):
        act(flow, state, "done", "chen.jie", frozenset())
    done = workflows.advance(
        flow, state, _for("done", "chen.jie", frozenset(), "li.wei"), record=RECORD, now=at(2, 9)
    )

    assert done.state.outcome == "done"
    assert [(c.actor, c.action) for c in done.history] == [("chen.jie", "done")]


def test_a_refusal_names_a_labelled_step_and_action_by_their_labels() -> None:
    flow = two_level(Quorum.ANY)
    both = frozenset({"sales_manager", "finance_head"})
    state = proposed(flow, by="li.wei", roles=both)
    with pytest.raises(FourEyesRefused) as refused:
        act(flow, state, "approve", "li.wei", both)
    assert refused.value.message is not None
    step = flow.steps["approval"]
    labelled = replace(
        step,
        label={"en": "Finance approval", "zh": "财务审批"},
        actions={
            **step.actions,
            "approve": replace(step.actions["approve"], label={"en": "Approve", "zh": "批准"}),
        },
    )

    assert workflows.titled(refused.value.message, labelled).english() == (
        "four eyes: li.wei proposed it, so someone else must take 'Approve' at step "
        "'Finance approval'"
    )
    assert workflows.titled(refused.value.message, step).english() == refused.value.reason
