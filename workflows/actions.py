"""Taking an action on a case: the checks, the votes of an approval, the move. Pure.

`take_action` is the one place an action is allowed or refused (role or user, comment, four
eyes, a second vote); an escalation's automatic action comes through it too, as the system.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from dsl.texts import N_, text
from workflows import approvals
from workflows.assignment import may_act
from workflows.entering import Run
from workflows.errors import ActionNotAllowed, CommentRequired
from workflows.model import Action, Step, Workflow
from workflows.state import CaseState, Vote
from workflows.transitions import ChangeReason, Env, StepChange, TakeAction, Transition


def take_action(
    workflow: Workflow,
    state: CaseState,
    event: TakeAction,
    *,
    record: Mapping[str, Any],
    now: datetime,
    env: Env,
) -> Transition:
    """The transition of `event`; raises the CaseActionError saying why it is refused."""
    step, action = _step_and_action(workflow, state, event.action)
    name = action.name
    comment = event.comment.strip() if event.comment is not None else ""
    if not event.system:
        _check_actor(state, event)
        if action.requires_comment and not comment:
            message = text(
                N_("'%(action)s' at step '%(step)s' requires a comment"),
                action=name,
                step=state.step,
            )
            raise CommentRequired(message.english(), action=name, step=state.step, message=message)
    data = dict(event.data or {}) if action.form is not None else {}
    approval = approvals.approval_of(step, name)
    if approval is not None and not event.system:
        refused = approvals.refusal(approval, state, event.actor, event.on_behalf_of)
        if refused is not None:
            raise refused
        votes, reached = approvals.cast(
            approval,
            state,
            actor=event.actor,
            comment=comment or None,
            eligible=event.eligible,
            now=now,
            on_behalf_of=event.on_behalf_of,
        )
        if not reached:
            return _vote(state, event, votes=votes, comment=comment or None, data=data, now=now)
    run = Run(workflow, record, now, env, previous=state)
    run.data.update(data)  # the action form's data: later fields win
    actor = None if event.system else event.actor
    new_state = run.enter(
        action.to,
        from_step=state.step,
        reason=ChangeReason.ESCALATION if event.system else ChangeReason.ACTION,
        action=name,
        actor=actor,
        comment=comment or None,
        outcome=action.outcome or name,
        data=data,
    )
    return run.transition(new_state, cancel_timers=True)


def _step_and_action(workflow: Workflow, state: CaseState, name: str) -> tuple[Step, Action]:
    if not state.is_open:
        message = text(N_("the case is closed"))
        raise ActionNotAllowed(message.english(), action=name, step=state.step, message=message)
    step = workflow.steps.get(state.step)
    action = step.actions.get(name) if step is not None else None
    if step is None or action is None:
        known = ", ".join(step.actions) if step is not None else ""
        message = (
            text(
                N_("step '%(step)s' has no action '%(action)s' (it has: %(known)s)"),
                step=state.step,
                action=name,
                known=known,
            )
            if known
            else text(
                N_("step '%(step)s' has no action '%(action)s'"), step=state.step, action=name
            )
        )
        raise ActionNotAllowed(message.english(), action=name, step=state.step, message=message)
    return step, action


def _check_actor(state: CaseState, event: TakeAction) -> None:
    # DESIGN.md, "Shared vocabulary": only the step's current assignee acts on it; after an
    # escalation that is the escalated-to role or user. `admin` does not bypass this.
    if may_act(state, event.principal, event.actor_roles):
        return
    if state.assigned_user is not None:
        message = text(
            N_("'%(action)s' at step '%(step)s' is for %(user)s, not for %(actor)s"),
            action=event.action,
            step=state.step,
            user=state.assigned_user,
            actor=event.principal,
        )
    else:
        message = text(
            N_(
                "'%(action)s' at step '%(step)s' is for role '%(role)s', which %(actor)s does "
                "not hold"
            ),
            action=event.action,
            step=state.step,
            role=state.assigned_role,
            actor=event.principal,
        )
    raise ActionNotAllowed(message.english(), action=event.action, step=state.step, message=message)


def _vote(
    state: CaseState,
    event: TakeAction,
    *,
    votes: tuple[Vote, ...],
    comment: str | None,
    data: dict[str, Any],
    now: datetime,
) -> Transition:
    """A vote short of the quorum: counted; the case stays at the step with its timers."""
    new_state = state.evolve(
        votes=votes,
        last_actor=event.actor,
        data=MappingProxyType({**state.data, **data}),
    )
    change = StepChange(
        from_step=state.step,
        to_step=state.step,
        action=event.action,
        actor=event.actor,
        at=now,
        reason=ChangeReason.VOTE,
        comment=comment,
        assigned_role=state.assigned_role,
        assigned_user=state.assigned_user,
        assigned_department=state.assigned_department,
        data=MappingProxyType(data),
    )
    return Transition(state=new_state, history=(change,))
