"""How a case moves: start, take an action, fire a timer. Pure functions; no I/O, no clock.

Each returns a `Transition`: the new state plus what the engine must do (timers to set, whether to
cancel the pending ones, terms to change) and the step changes to record. Nothing here performs
them; `now` and the customer's record are passed in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from workflows.calendar import add_duration
from workflows.errors import ActionNotAllowed, CommentRequired
from workflows.model import CLOSED, ChangeTermsOp, Step, Workflow
from workflows.state import CaseState, CaseStatus

ESCALATION = "escalation"  # the kind of timer an escalation rule sets
DO_CHAIN_OUTCOME = "completed"  # outcome of a case closed by a do step


# --- events -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TakeAction:
    """A user takes `action` on the case. `actor_roles` are the roles the user holds."""

    action: str
    actor: str
    actor_roles: Collection[str]
    comment: str | None = None
    data: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A timer set by a `TimerRequest` came due. `step` and `due_at` (from the request) tell a
    timer left over from another step, or an earlier visit of this one, apart; either may be
    None, but without them such a timer cannot be recognised as stale."""

    kind: str
    level: int | None = None
    due_at: datetime | None = None
    step: str | None = None


Event = TakeAction | TimerFired


# --- what a transition asks of the engine -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimerRequest:
    """Set a timer of `kind` due at `due_at`; fire it back as `TimerFired(kind, **payload)`."""

    kind: str
    due_at: datetime
    payload: Mapping[str, Any]  # JSON-native: {"level": 1, "step": "sales_review"}


@dataclass(frozen=True, slots=True)
class ChangeTerms:
    """Change the customer's credit terms to `values` (every expression already evaluated).

    `missing` names the terms whose expression gave a missing value: they are left unchanged.
    """

    values: Mapping[str, Any]
    step: str
    missing: tuple[str, ...] = ()


Effect = ChangeTerms


class ChangeReason(StrEnum):
    START = "start"  # the case opened at its start step
    ACTION = "action"  # a user took an action
    DO = "do"  # a do step ran and moved on
    ESCALATION = "escalation"  # the step was reassigned; it stays where it is


@dataclass(frozen=True, slots=True)
class StepChange:
    """One entry of the case history (a `case_transition` row).

    An escalation is recorded as a change from the step to itself with the new `assigned_role`.
    """

    from_step: str | None
    to_step: str
    action: str | None
    actor: str | None
    at: datetime
    reason: ChangeReason
    comment: str | None = None
    assigned_role: str | None = None  # the role the case is assigned to after this change


@dataclass(frozen=True, slots=True)
class Transition:
    """The outcome of `start` or `advance`."""

    state: CaseState
    timers_to_set: tuple[TimerRequest, ...] = ()
    cancel_timers: bool = False  # cancel every pending timer of the case (a step was left)
    effects: tuple[Effect, ...] = ()
    history: tuple[StepChange, ...] = field(default=())

    @property
    def is_noop(self) -> bool:
        """True when nothing happened (a stale timer): nothing to write."""
        return not (self.timers_to_set or self.cancel_timers or self.effects or self.history)


# --- the functions ------------------------------------------------------------------------------


def start(workflow: Workflow, *, record: Mapping[str, Any], now: datetime) -> Transition:
    """Open a case at the workflow's start step (running it at once when it is a do step)."""
    run = _Run(workflow, record, now)
    state = run.enter(workflow.start, from_step=None, reason=ChangeReason.START)
    return run.transition(state, cancel_timers=False)


def advance(
    workflow: Workflow,
    state: CaseState,
    event: Event,
    *,
    record: Mapping[str, Any],
    now: datetime,
) -> Transition:
    """Apply `event` to a case in `state`.

    A `TakeAction` moves the case along the action (running any do steps it reaches). A
    `TimerFired` for an escalation of the current step reassigns it; a stale timer (another step,
    an earlier visit, a level already applied, a closed case) gives a no-op transition. Raises
    `ActionNotAllowed` (no such action here, case closed, actor lacks the assigned role) or
    `CommentRequired`.
    """
    if isinstance(event, TakeAction):
        return _take_action(workflow, state, event, record=record, now=now)
    return _fire_timer(workflow, state, event, now=now)


def available_actions(
    workflow: Workflow, state: CaseState, roles: Collection[str]
) -> tuple[str, ...]:
    """The actions a user holding `roles` may take now, in the order the step lists them."""
    step = workflow.steps.get(state.step)
    if not state.is_open or step is None or state.assigned_role not in roles:
        return ()
    return tuple(step.actions)


def _take_action(
    workflow: Workflow,
    state: CaseState,
    event: TakeAction,
    *,
    record: Mapping[str, Any],
    now: datetime,
) -> Transition:
    name = event.action
    if not state.is_open:
        raise ActionNotAllowed("the case is closed", action=name, step=state.step)
    step = workflow.steps.get(state.step)
    action = step.actions.get(name) if step is not None else None
    if step is None or action is None:
        known = ", ".join(step.actions) if step is not None else ""
        raise ActionNotAllowed(
            f"step '{state.step}' has no action '{name}'"
            + (f" (it has: {known})" if known else ""),
            action=name,
            step=state.step,
        )
    # DESIGN.md, "Shared vocabulary": only the holder of the step's current role acts on it;
    # after an escalation that is the escalated-to role. `admin` does not bypass this.
    if state.assigned_role not in event.actor_roles:
        raise ActionNotAllowed(
            f"'{name}' at step '{state.step}' is for role '{state.assigned_role}', which "
            f"{event.actor} does not hold",
            action=name,
            step=state.step,
        )
    comment = event.comment.strip() if event.comment is not None else ""
    if action.requires_comment and not comment:
        raise CommentRequired(
            f"'{name}' at step '{state.step}' requires a comment", action=name, step=state.step
        )
    run = _Run(workflow, record, now)
    new_state = run.enter(
        action.to,
        from_step=state.step,
        reason=ChangeReason.ACTION,
        action=name,
        actor=event.actor,
        comment=comment or None,
        outcome=action.outcome or name,
    )
    return run.transition(new_state, cancel_timers=True)


def _fire_timer(
    workflow: Workflow, state: CaseState, event: TimerFired, *, now: datetime
) -> Transition:
    nothing = Transition(state=state)
    if event.kind != ESCALATION or not state.is_open:
        return nothing
    if event.step is not None and event.step != state.step:
        return nothing
    step = workflow.steps.get(state.step)
    level = event.level
    if step is None or level is None or not 1 <= level <= len(step.escalations):
        return nothing
    rule = step.escalations[level - 1]
    ends = add_duration(state.entered_at, rule.after)
    if event.due_at is not None and _utc(event.due_at) != _utc(ends):
        return nothing  # set during an earlier visit of this step
    if level <= state.escalation_level:
        return nothing  # already applied (or overtaken by a later level): never de-escalate
    role = rule.to.role if rule.to is not None else state.assigned_role
    new_state = state.evolve(assigned_role=role, escalation_level=level)
    change = StepChange(
        from_step=state.step,
        to_step=state.step,
        action=None,
        actor=None,
        at=now,
        reason=ChangeReason.ESCALATION,
        assigned_role=role,
    )
    return Transition(state=new_state, history=(change,))


def _utc(moment: datetime) -> datetime:
    # A naive date-time read back from storage is UTC (DESIGN.md: everything is stored in UTC).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class _Run:
    """Entering steps within one start/advance: collects timers, effects and history."""

    def __init__(self, workflow: Workflow, record: Mapping[str, Any], now: datetime) -> None:
        self.workflow = workflow
        self.record: dict[str, Any] = dict(record)
        self.now = now
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
    ) -> CaseState:
        """Move to `target`, running do steps until a step with actions or `closed` is reached."""
        # The loader refuses do steps that loop, so a chain visits each step at most once.
        for _ in range(len(self.workflow.steps) + 1):
            step = self.workflow.steps.get(target) if target != CLOSED else None
            self.history.append(
                StepChange(
                    from_step=from_step,
                    to_step=target,
                    action=action,
                    actor=actor,
                    at=self.now,
                    reason=reason,
                    comment=comment,
                    assigned_role=step.assignee.role if step and step.assignee else None,
                )
            )
            if target == CLOSED:
                return self._closed(outcome)
            if step is None:
                raise ValueError(f"workflow '{self.workflow.key}' has no step '{target}'")
            if not step.is_do:
                return self._entered(step)
            self._run_do(step)
            assert step.to is not None
            from_step, target = step.id, step.to
            reason, action, actor, comment = ChangeReason.DO, None, None, None
            outcome = DO_CHAIN_OUTCOME
        raise ValueError(f"workflow '{self.workflow.key}': do steps loop from '{target}'")

    def _closed(self, outcome: str | None) -> CaseState:
        return CaseState(
            step=CLOSED,
            status=CaseStatus.CLOSED,
            outcome=outcome or DO_CHAIN_OUTCOME,
            assigned_role=None,
            entered_at=self.now,
            due_at=None,
            escalation_level=0,
        )

    def _entered(self, step: Step) -> CaseState:
        assert step.assignee is not None
        for rule in step.escalations:
            self.timers.append(
                TimerRequest(
                    kind=ESCALATION,
                    due_at=add_duration(self.now, rule.after),
                    payload=MappingProxyType({"level": rule.level, "step": step.id}),
                )
            )
        return CaseState(
            step=step.id,
            status=CaseStatus.OPEN,
            outcome=None,
            assigned_role=step.assignee.role,
            entered_at=self.now,
            due_at=add_duration(self.now, step.sla) if step.sla is not None else None,
            escalation_level=0,
        )

    def _run_do(self, step: Step) -> None:
        for operation in step.do or ():
            if not isinstance(operation, ChangeTermsOp):
                continue  # the other operations arrive with issue 10's semantics
            effect = self._change_terms(step.id, operation)
            self.effects.append(effect)
            # A later operation or do step in the same chain reads the terms as changed.
            self.record.update(effect.values)

    def _change_terms(self, step_id: str, operation: ChangeTermsOp) -> ChangeTerms:
        # Every value of one change_terms reads the record as it was before any of them applies.
        scope = {**self.record, "case": {"step": step_id}}
        values: dict[str, Any] = {}
        missing: list[str] = []
        for term in operation.values:
            if term.expression is None:
                values[term.name] = term.literal
                continue
            value = term.expression.expression.evaluate(scope)
            if value is None:
                missing.append(term.name)  # rules-language §4: evaluation never raises for data
            else:
                values[term.name] = value
        return ChangeTerms(values=MappingProxyType(values), step=step_id, missing=tuple(missing))
