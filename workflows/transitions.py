"""What `start` and `advance` exchange with the engine: events in; transitions, timers to set
and effects out. Pure data, no I/O, no clock.

docs/workflows.md, "Semantics", says what each value means; `workflows.semantics` computes them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import Any

from workflows.calendar import WEEKDAYS, Calendar
from workflows.model import Assignee, OrderDecision
from workflows.state import CaseState

ESCALATION = "escalation"  # the kind of timer an escalation rule sets
REMINDER = "reminder"  # the kind of timer a reminder before the deadline sets
DO_CHAIN_OUTCOME = "completed"  # outcome of a case closed by a do step

# Who a step assigned to `{owner: true}` goes to when the customer has no owner: the built-in
# role every workspace has, so that the case never waits for nobody.
OWNER_FALLBACK_ROLE = "admin"


@dataclass(frozen=True, slots=True)
class Env:
    """What the engine knows beside the workflow and the record: the working `calendar` business
    days count on, the workspace time zone `tz` (a business day keeps its local time of day in
    it) and the customer's `owner` (the user `{owner: true}` assignees name; None: no owner)."""

    calendar: Calendar = WEEKDAYS
    tz: tzinfo = UTC
    owner: str | None = None


# --- events -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TakeAction:
    """A user takes `action` on the case. `actor_roles` are the roles the user holds for the
    case's department. `data`: the action form's data, already validated by the engine.
    `eligible`: the users who may approve at this step now (counted by the engine, for quorum
    `all`). `system`: the action is taken by the workflow itself (an escalation): no role,
    four-eyes or comment check, no vote counting, no actor in the history. `on_behalf_of`: the
    user whose delegate `actor` is, acting with that user's roles (`actor_roles` are then the
    delegator's): the step must be theirs, and four eyes bars the action when either of the two
    proposed it or acted last."""

    action: str
    actor: str
    actor_roles: Collection[str]
    comment: str | None = None
    data: Mapping[str, Any] | None = None
    eligible: Collection[str] | None = None
    system: bool = False
    on_behalf_of: str | None = None

    @property
    def principal(self) -> str:
        """Whose step this is taken as: the delegator, or the actor themselves."""
        return self.on_behalf_of or self.actor


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A timer set by a `TimerRequest` came due. `step`, `due_at` (and `index` for a reminder)
    come from the request and tell a timer left over from another step, or an earlier visit of
    this one, apart; without them such a timer cannot be recognised as stale."""

    kind: str
    level: int | None = None
    due_at: datetime | None = None
    step: str | None = None
    index: int | None = None


@dataclass(frozen=True, slots=True)
class RecordChanged:
    """The customer's record changed (the new record is the `record` argument of `advance`):
    a case whose workflow's `cancel_when` now holds closes as `superseded`."""


@dataclass(frozen=True, slots=True)
class AddReason:
    """The workflow's trigger fired again for the customer (`dedupe: add_reason`): `reason`
    joins the case's history; nothing else changes."""

    reason: Mapping[str, Any]


Event = TakeAction | TimerFired | RecordChanged | AddReason


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
    A temporary change restores the previous terms at `until` (a moment) or when the guard whose
    source is `restore_when` holds for the customer, whichever comes first (the engine evaluates
    it). Money values are rounded by the engine.
    """

    values: Mapping[str, Any]
    step: str
    missing: tuple[str, ...] = ()
    until: datetime | None = None
    restore_when: str | None = None


class NotificationKind(StrEnum):
    ASSIGNED = "assigned"  # a step was assigned (entered, or escalated to someone)
    ESCALATED = "escalated"  # an escalation came (its reassignment or its `notify`)
    REMINDER = "reminder"  # a reminder before the step's deadline
    NOTIFY = "notify"  # a do step's `notify`


@dataclass(frozen=True, slots=True, kw_only=True)
class SendNotification:
    """Tell someone about the case: `to` as written (None: the case's current assignees), and
    whom that names now (`assigned_role` in `assigned_department`, None for the customer's
    department, or `assigned_user`); `template` and/or `message` (language -> text) as written."""

    kind: NotificationKind
    step: str
    to: Assignee | None = None
    assigned_role: str | None = None
    assigned_department: str | None = None
    assigned_user: str | None = None
    template: str | None = None
    message: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class StartWorkflow:
    """Start workflow `key` for the same customer (its own dedupe applies)."""

    key: str
    step: str


@dataclass(frozen=True, slots=True)
class SetFields:
    """Set fields of the customer's form data, like `ChangeTerms` for form fields."""

    values: Mapping[str, Any]
    step: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DecideOrder:
    """Release or reject the held credit check that opened the case."""

    decision: OrderDecision
    step: str


Effect = ChangeTerms | SendNotification | StartWorkflow | SetFields | DecideOrder


class ChangeReason(StrEnum):
    START = "start"  # the case opened at its start step
    ACTION = "action"  # a user took an action that moved the case
    DO = "do"  # a do step ran and moved on
    ESCALATION = "escalation"  # an escalation came: reassigned, notified or took an action
    VOTE = "vote"  # an approval was counted; the quorum is not reached yet
    SUPERSEDED = "superseded"  # cancel_when held: the case closed
    REASON_ADDED = "reason_added"  # the trigger fired again (dedupe: add_reason)


@dataclass(frozen=True, slots=True)
class StepChange:
    """One entry of the case history (a `case_transition` row).

    An escalation, a vote or an added reason is recorded as a change from the step to itself.
    `assigned_*` are whom the case is assigned to after this change; `data` is what the change
    carries (the action form's data, the added reason).
    """

    from_step: str | None
    to_step: str
    action: str | None
    actor: str | None
    at: datetime
    reason: ChangeReason
    comment: str | None = None
    assigned_role: str | None = None
    assigned_user: str | None = None
    assigned_department: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


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
