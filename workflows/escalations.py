"""Timers firing: escalations (reassign, notify, take an action) and reminders. Pure.

One entry per timer kind in `_KINDS`. A stale timer (another step, an earlier visit of this one,
a level already applied, a closed case, an unknown kind) gives a no-op transition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from workflows.actions import take_action
from workflows.assignment import Assignment, resolve
from workflows.entering import escalation_time, notification, reminder_time
from workflows.model import Escalation, Step, Workflow
from workflows.state import CaseState
from workflows.transitions import (
    ESCALATION,
    REMINDER,
    ChangeReason,
    Env,
    NotificationKind,
    SendNotification,
    StepChange,
    TakeAction,
    TimerFired,
    Transition,
)


def fire_timer(
    workflow: Workflow,
    state: CaseState,
    event: TimerFired,
    *,
    record: Mapping[str, Any],
    now: datetime,
    env: Env,
) -> Transition:
    """The transition of a timer coming due; a no-op for a stale one."""
    handler = _KINDS.get(event.kind)
    step = workflow.steps.get(state.step)
    if handler is None or not state.is_open or step is None or step.is_do:
        return Transition(state=state)
    if event.step is not None and event.step != state.step:
        return Transition(state=state)
    return handler(workflow, step, state, event, record, now, env)


def _escalate(
    workflow: Workflow,
    step: Step,
    state: CaseState,
    event: TimerFired,
    record: Mapping[str, Any],
    now: datetime,
    env: Env,
) -> Transition:
    nothing = Transition(state=state)
    level = event.level
    if level is None or not 1 <= level <= len(step.escalations):
        return nothing
    if event.due_at is not None and _utc(event.due_at) != _utc(
        escalation_time(step, level, state.entered_at, env)
    ):
        return nothing  # set during an earlier visit of this step
    if level <= state.escalation_level:
        return nothing  # already applied (or overtaken by a later level): never de-escalate
    rule = step.escalations[level - 1]
    whom = resolve(rule.to, env) if rule.to is not None else Assignment.of(state)
    escalated = state.evolve(
        assigned_role=whom.role,
        assigned_department=whom.department,
        assigned_user=whom.user,
        escalation_level=level,
    )
    change = StepChange(
        from_step=state.step,
        to_step=state.step,
        action=None,
        actor=None,
        at=now,
        reason=ChangeReason.ESCALATION,
        assigned_role=whom.role,
        assigned_user=whom.user,
        assigned_department=whom.department,
    )
    effects = _escalation_notices(rule, state.step, whom, env)
    if rule.action is None or rule.action not in step.actions:
        return Transition(state=escalated, effects=effects, history=(change,))
    # the escalation takes the action itself: no role, comment or four-eyes check
    system = TakeAction(action=rule.action, actor="", actor_roles=(), system=True)
    moved = take_action(workflow, escalated, system, record=record, now=now, env=env)
    history = (change, *moved.history) if rule.to is not None or rule.notify else moved.history
    return Transition(
        state=moved.state,
        timers_to_set=moved.timers_to_set,
        cancel_timers=moved.cancel_timers,
        effects=(*effects, *moved.effects),
        history=history,
    )


def _escalation_notices(
    rule: Escalation, step: str, whom: Assignment, env: Env
) -> tuple[SendNotification, ...]:
    notices: list[SendNotification] = []
    if rule.to is not None:
        notices.append(notification(NotificationKind.ESCALATED, step, whom))
    if rule.notify is not None:
        told = resolve(rule.notify.to, env) if rule.notify.to is not None else whom
        notices.append(
            SendNotification(
                kind=NotificationKind.ESCALATED,
                step=step,
                to=rule.notify.to,
                assigned_role=told.role,
                assigned_department=told.department,
                assigned_user=told.user,
                template=rule.notify.template,
                message=rule.notify.message,
            )
        )
    return tuple(notices)


def _remind(
    workflow: Workflow,
    step: Step,
    state: CaseState,
    event: TimerFired,
    record: Mapping[str, Any],
    now: datetime,
    env: Env,
) -> Transition:
    nothing = Transition(state=state)
    index = event.index
    if index is None or not 0 <= index < len(step.reminders):
        return nothing
    at = reminder_time(step, index, state.entered_at, env)
    if at is None or (event.due_at is not None and _utc(event.due_at) != _utc(at)):
        return nothing  # set during an earlier visit of this step
    notice = notification(NotificationKind.REMINDER, state.step, Assignment.of(state))
    return Transition(state=state, effects=(notice,))


def _utc(moment: datetime) -> datetime:
    # A naive date-time read back from storage is UTC (DESIGN.md: everything is stored in UTC).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_Handler = Callable[
    [Workflow, Step, CaseState, TimerFired, Mapping[str, Any], datetime, Env], Transition
]
_KINDS: dict[str, _Handler] = {ESCALATION: _escalate, REMINDER: _remind}
