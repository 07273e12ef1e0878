"""Entering steps within one `start`/`advance`: assignment, deadlines, timers, do chains. Pure.

A `Run` collects what the call asks of the engine (timers, effects, history) while the case moves
through do steps to the next task step or `closed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from workflows.assignment import Assignment, resolve
from workflows.calendar import add_duration, subtract_duration
from workflows.model import CLOSED, Step, Workflow
from workflows.operations import OperationContext, run_operation
from workflows.state import CaseState, CaseStatus
from workflows.transitions import (
    DO_CHAIN_OUTCOME,
    ESCALATION,
    REMINDER,
    ChangeReason,
    ChangeTerms,
    Effect,
    Env,
    NotificationKind,
    SendNotification,
    SetFields,
    StepChange,
    TimerRequest,
    Transition,
)


def deadline(step: Step, entered_at: datetime, env: Env) -> datetime | None:
    """When the step's sla ends for a visit that began at `entered_at`."""
    if step.sla is None:
        return None
    return add_duration(entered_at, step.sla, calendar=env.calendar, tz=env.tz)


def escalation_time(step: Step, level: int, entered_at: datetime, env: Env) -> datetime:
    """When escalation `level` (1-based) of the step comes for a visit begun at `entered_at`."""
    rule = step.escalations[level - 1]
    return add_duration(entered_at, rule.after, calendar=env.calendar, tz=env.tz)


def reminder_time(step: Step, index: int, entered_at: datetime, env: Env) -> datetime | None:
    """When reminder `index` (0-based) of the step comes: `before` the deadline."""
    due = deadline(step, entered_at, env)
    if due is None:
        return None
    return subtract_duration(due, step.reminders[index].before, calendar=env.calendar, tz=env.tz)


def scope(record: Mapping[str, Any], step: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """What expressions of the case read: the record plus `case: {step, data}`."""
    return {**record, "case": {"step": step, "data": dict(data)}}


class Run:
    """The moves of one call: collects timers, effects and history."""

    def __init__(
        self,
        workflow: Workflow,
        record: Mapping[str, Any],
        now: datetime,
        env: Env,
        *,
        previous: CaseState | None = None,
    ) -> None:
        self.workflow = workflow
        self.record: dict[str, Any] = dict(record)
        self.now = now
        self.env = env
        self.previous = previous
        self.data: dict[str, Any] = dict(previous.data) if previous is not None else {}
        self.timers: list[TimerRequest] = []
        self.effects: list[Effect] = []
        self.history: list[StepChange] = []

    def transition(self, state: CaseState, *, cancel_timers: bool) -> Transition:
        return Transition(
            state=state,
            timers_to_set=tuple(self.timers),
            cancel_timers=cancel_timers,
            effects=tuple(self.effects),
            history=tuple(self.history),
        )

    def enter(
        self,
        target: str,
        *,
        from_step: str | None,
        reason: ChangeReason,
        action: str | None = None,
        actor: str | None = None,
        comment: str | None = None,
        outcome: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> CaseState:
        """Move to `target`, running do steps until a step with actions or `closed` is reached.

        `actor` (None for the workflow itself) becomes the new step's `entered_by`."""
        last_actor = actor or (self.previous.last_actor if self.previous else None)
        entered_by = actor
        # The loader refuses do steps that loop, so a chain visits each step at most once.
        for _ in range(len(self.workflow.steps) + 1):
            step = self.workflow.steps.get(target) if target != CLOSED else None
            assignment = (
                resolve(step.assignee, self.env)
                if step is not None and step.assignee is not None and not step.is_do
                else Assignment()
            )
            self.history.append(
                StepChange(
                    from_step=from_step,
                    to_step=target,
                    action=action,
                    actor=actor,
                    at=self.now,
                    reason=reason,
                    comment=comment,
                    assigned_role=assignment.role,
                    assigned_user=assignment.user,
                    assigned_department=assignment.department,
                    data=MappingProxyType(dict(data or {})),
                )
            )
            if target == CLOSED:
                return self.closed(outcome, last_actor=last_actor)
            if step is None:
                raise ValueError(f"workflow '{self.workflow.key}' has no step '{target}'")
            if not step.is_do:
                return self._entered(step, assignment, entered_by, last_actor)
            self._run_do(step)
            assert step.to is not None
            from_step, target = step.id, step.to
            reason, action, actor, comment, data = ChangeReason.DO, None, None, None, None
            outcome = DO_CHAIN_OUTCOME
        raise ValueError(f"workflow '{self.workflow.key}': do steps loop from '{target}'")

    def closed(self, outcome: str | None, *, last_actor: str | None) -> CaseState:
        return CaseState(
            step=CLOSED,
            status=CaseStatus.CLOSED,
            outcome=outcome or DO_CHAIN_OUTCOME,
            assigned_role=None,
            entered_at=self.now,
            due_at=None,
            escalation_level=0,
            last_actor=last_actor,
            data=MappingProxyType(dict(self.data)),
        )

    def _entered(
        self,
        step: Step,
        assignment: Assignment,
        entered_by: str | None,
        last_actor: str | None,
    ) -> CaseState:
        for rule in step.escalations:
            self.timers.append(
                TimerRequest(
                    kind=ESCALATION,
                    due_at=escalation_time(step, rule.level, self.now, self.env),
                    payload=MappingProxyType({"level": rule.level, "step": step.id}),
                )
            )
        for index in range(len(step.reminders)):
            at = reminder_time(step, index, self.now, self.env)
            if at is not None and at > self.now:  # a reminder already past is never sent
                self.timers.append(
                    TimerRequest(
                        kind=REMINDER,
                        due_at=at,
                        payload=MappingProxyType({"index": index, "step": step.id}),
                    )
                )
        self.effects.append(notification(NotificationKind.ASSIGNED, step.id, assignment))
        return CaseState(
            step=step.id,
            status=CaseStatus.OPEN,
            outcome=None,
            assigned_role=assignment.role,
            entered_at=self.now,
            due_at=deadline(step, self.now, self.env),
            escalation_level=0,
            assigned_user=assignment.user,
            assigned_department=assignment.department,
            entered_by=entered_by,
            last_actor=last_actor,
            votes=(),
            data=MappingProxyType(dict(self.data)),
        )

    def _run_do(self, step: Step) -> None:
        before = Assignment.of(self.previous) if self.previous is not None else Assignment()
        for operation in step.do or ():
            context = OperationContext(
                step=step.id,
                scope=scope(self.record, step.id, self.data),
                now=self.now,
                env=self.env,
                assignees=before,
            )
            effect = run_operation(operation, context)
            self.effects.append(effect)
            # A later operation or do step in the same chain reads the record as changed.
            if isinstance(effect, ChangeTerms | SetFields):
                self.record.update(effect.values)


def notification(kind: NotificationKind, step: str, whom: Assignment) -> SendNotification:
    """A notification for the assignees `whom` (the case's, at the time)."""
    return SendNotification(
        kind=kind,
        step=step,
        assigned_role=whom.role,
        assigned_department=whom.department,
        assigned_user=whom.user,
    )
