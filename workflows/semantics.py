"""How a case moves: start, take an action, fire a timer, react to a changed record. Pure
functions; no I/O, no clock.

Each returns a `Transition` (`workflows.transitions`): the new state plus what the engine must do
(timers to set, whether to cancel the pending ones, effects such as terms to change and
notifications to send) and the history to record. Nothing here performs them; `now`, the
customer's record and the environment (calendar, time zone, owner) are passed in.

`advance` is total: for any event in any state it returns a transition or raises one of the
`CaseActionError` subclasses (`ActionNotAllowed`, `CommentRequired`, `FourEyesRefused`,
`AlreadyVoted`) for a refused action.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from workflows import approvals
from workflows.actions import take_action
from workflows.assignment import may_act
from workflows.entering import Run, scope
from workflows.escalations import fire_timer
from workflows.model import CLOSED, SUPERSEDED, Workflow
from workflows.state import CaseState
from workflows.transitions import (
    AddReason,
    ChangeReason,
    Env,
    Event,
    RecordChanged,
    StepChange,
    TakeAction,
    TimerFired,
    Transition,
)

_DEFAULT_ENV = Env()


def start(
    workflow: Workflow, *, record: Mapping[str, Any], now: datetime, env: Env = _DEFAULT_ENV
) -> Transition:
    """Open a case at the workflow's start step (running it at once when it is a do step)."""
    run = Run(workflow, record, now, env)
    state = run.enter(workflow.start, from_step=None, reason=ChangeReason.START)
    return run.transition(state, cancel_timers=False)


def advance(
    workflow: Workflow,
    state: CaseState,
    event: Event,
    *,
    record: Mapping[str, Any],
    now: datetime,
    env: Env = _DEFAULT_ENV,
) -> Transition:
    """Apply `event` to a case in `state` (docs/workflows.md, "Semantics").

    `TakeAction` moves the case along the action (running any do steps it reaches), or counts a
    vote towards an approval's quorum; `TimerFired` escalates or reminds; `RecordChanged` closes
    the case as superseded when the workflow's `cancel_when` holds for `record`; `AddReason`
    records the reason. A stale timer, and any event but an action on a closed case, gives a
    no-op transition. Raises `ActionNotAllowed`, `CommentRequired`, `FourEyesRefused` or
    `AlreadyVoted` for a refused action.
    """
    handler = _EVENTS[type(event)]
    return handler(workflow, state, event, record, now, env)


def available_actions(
    workflow: Workflow,
    state: CaseState,
    roles: Collection[str],
    *,
    actor: str | None = None,
    on_behalf_of: str | None = None,
) -> tuple[str, ...]:
    """The actions the user `actor` holding `roles` (the roles of `on_behalf_of`, when acting
    as their delegate) may take now, in the order the step lists them: none on a closed case or
    for someone the step is not assigned to; without the approving action for someone four eyes
    keeps from it or whose approval is counted already. A step assigned to a user offers
    nothing when `actor` is not given."""
    step = workflow.steps.get(state.step)
    if not state.is_open or step is None or not may_act(state, on_behalf_of or actor, roles):
        return ()
    approval = step.approval
    names = []
    for name in step.actions:
        refused = (
            approval is not None
            and name == approval.action
            and actor is not None
            and approvals.refusal(approval, state, actor, on_behalf_of) is not None
        )
        if not refused:
            names.append(name)
    return tuple(names)


def _take_action(
    workflow: Workflow,
    state: CaseState,
    event: Any,
    record: Mapping[str, Any],
    now: datetime,
    env: Env,
) -> Transition:
    return take_action(workflow, state, event, record=record, now=now, env=env)


def _fire_timer(
    workflow: Workflow,
    state: CaseState,
    event: Any,
    record: Mapping[str, Any],
    now: datetime,
    env: Env,
) -> Transition:
    return fire_timer(workflow, state, event, record=record, now=now, env=env)


def _record_changed(
    workflow: Workflow,
    state: CaseState,
    event: Any,
    record: Mapping[str, Any],
    now: datetime,
    env: Env,
) -> Transition:
    if not state.is_open or not workflow.is_cancelled(scope(record, state.step, state.data)):
        return Transition(state=state)
    run = Run(workflow, record, now, env, previous=state)
    closed = run.closed(SUPERSEDED, last_actor=state.last_actor)
    change = StepChange(
        from_step=state.step,
        to_step=CLOSED,
        action=None,
        actor=None,
        at=now,
        reason=ChangeReason.SUPERSEDED,
    )
    return Transition(state=closed, cancel_timers=True, history=(change,))


def _add_reason(
    workflow: Workflow,
    state: CaseState,
    event: Any,
    record: Mapping[str, Any],
    now: datetime,
    env: Env,
) -> Transition:
    assert isinstance(event, AddReason)
    if not state.is_open:
        return Transition(state=state)
    change = StepChange(
        from_step=state.step,
        to_step=state.step,
        action=None,
        actor=None,
        at=now,
        reason=ChangeReason.REASON_ADDED,
        assigned_role=state.assigned_role,
        assigned_user=state.assigned_user,
        assigned_department=state.assigned_department,
        data=MappingProxyType(dict(event.reason)),
    )
    return Transition(state=state, history=(change,))


_Handler = Callable[[Workflow, CaseState, Any, Mapping[str, Any], datetime, Env], Transition]
_EVENTS: dict[type, _Handler] = {
    TakeAction: _take_action,
    TimerFired: _fire_timer,
    RecordChanged: _record_changed,
    AddReason: _add_reason,
}
