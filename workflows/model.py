"""Loaded workflow definitions: frozen values built once by the loader and never changed after.

Pure data, no I/O. The meaning of these values (how a case moves) lives in `workflows.semantics`;
the trigger kinds and their parameters in `workflows.triggers`; business-day arithmetic in
`workflows.calendar`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dsl import CompiledExpression, Diagnostic, Span

# The target of a `to` that ends the case; no step may be named like it.
CLOSED = "closed"

# The outcome of a case closed because its `cancel_when` became true.
SUPERSEDED = "superseded"

# DESIGN.md, "Runtime state": the credit terms every customer has, the only names `change_terms`
# may set. Their value types are given in the loader, where literals are checked.
TERMS_NAMES: tuple[str, ...] = (
    "credit_limit",
    "payment_terms_days",
    "prepayment_pct",
    "order_hold",
    "next_review_at",
)

# Role that may always be named, whatever the template declares (DESIGN.md, "Shared vocabulary").
BUILT_IN_ROLES: frozenset[str] = frozenset({"admin"})


class TriggerKind(StrEnum):
    """What starts a workflow (docs/workflows.md, "Triggers"); each kind's parameters and what
    its guard reads are one entry of `workflows.triggers.TRIGGERS`."""

    TIER_CHANGED = "tier_changed"
    ALERT_RAISED = "alert_raised"
    FIELD_CHANGED = "field_changed"
    EVENT_RECEIVED = "event_received"
    REVIEW_DUE = "review_due"
    ORDER_HELD = "order_held"
    MANUAL = "manual"


class Dedupe(StrEnum):
    """What happens when a trigger fires for a customer who has an open case of the workflow
    (there is at most one open case of a workflow per customer)."""

    IGNORE = "ignore"  # nothing: the open case goes on as it is
    ADD_REASON = "add_reason"  # the new reason is added to the open case's history


class DurationUnit(StrEnum):
    MINUTES = "m"
    HOURS = "h"
    DAYS = "d"  # calendar days: 24 hours each
    BUSINESS_DAYS = "bd"  # working days of the workflow's calendar, same time of day


@dataclass(frozen=True, slots=True)
class Duration:
    """A duration as written: `90m`, `24h`, `3d`, `5bd`. Business days need a calendar to be
    turned into a moment (`workflows.calendar.add_duration`)."""

    amount: int
    unit: DurationUnit

    @property
    def is_business(self) -> bool:
        return self.unit is DurationUnit.BUSINESS_DAYS

    def fixed(self) -> dt.timedelta | None:
        """The timedelta of a duration that needs no calendar; None for business days."""
        if self.unit is DurationUnit.MINUTES:
            return dt.timedelta(minutes=self.amount)
        if self.unit is DurationUnit.HOURS:
            return dt.timedelta(hours=self.amount)
        if self.unit is DurationUnit.DAYS:
            return dt.timedelta(days=self.amount)
        return None

    def minimum(self) -> dt.timedelta:
        """The shortest time this duration can take: N business days take at least N days."""
        fixed = self.fixed()
        return fixed if fixed is not None else dt.timedelta(days=self.amount)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit.value}"


@dataclass(frozen=True, slots=True)
class Guard:
    """A rules-language expression with its source text, e.g. a trigger's `when`."""

    source: str
    expression: CompiledExpression
    span: Span


@dataclass(frozen=True, slots=True)
class Trigger:
    """`on` and its guard; `params` are the kind's own parameters, already checked by
    `workflows.triggers` (alert_raised: `severity`, `rule`; field_changed: `fields`;
    event_received: `kind`), each a tuple of text."""

    on: TriggerKind
    when: Guard | None
    span: Span
    params: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class AssigneeKind(StrEnum):
    ROLE = "role"  # holders of a role (in the customer's department, or a named one)
    OWNER = "owner"  # the customer's owner (a user name stored on the customer)
    USER = "user"  # one named user


# `Assignee.department` for a role assignee: the customer's own department (the default).
CUSTOMER_DEPARTMENT = "customer"


@dataclass(frozen=True, slots=True)
class Assignee:
    """Who a step (or an escalation, a notification) is for.

    `{role: R}` or `{role: R, department: customer}`: holders of R for the customer's department
    (a grant in no department counts everywhere); `{role: R, department: NAME}`: holders of R for
    department NAME; `{owner: true}`: the customer's owner; `{user: NAME}`: that user.
    """

    kind: AssigneeKind
    span: Span
    role: str | None = None
    department: str = CUSTOMER_DEPARTMENT
    user: str | None = None


class Quorum(StrEnum):
    ANY = "any"  # one approval is enough
    ALL = "all"  # every eligible person (counted by the engine when the vote is cast)


@dataclass(frozen=True, slots=True)
class Approval:
    """A step whose `action` (default `approve`) needs `quorum` distinct approvers: `any`,
    `all` or a number ≥ 1. `four_eyes`: whoever moved the case into this step (the proposer)
    or acted on it last may not approve it."""

    quorum: Quorum | int
    four_eyes: bool
    action: str
    span: Span


@dataclass(frozen=True, slots=True)
class Reminder:
    """Notify the step's assignees `before` its deadline (a step with an `sla`)."""

    before: Duration
    span: Span


@dataclass(frozen=True, slots=True)
class Notify:
    """A notification: to `to` (an assignee; None: the case's current assignees), a message
    (`template`, a name the notifications service knows, and/or `message`, text per language)."""

    to: Assignee | None
    template: str | None
    message: Mapping[str, str] | None
    span: Span


@dataclass(frozen=True, slots=True)
class Escalation:
    """Level `level` (1-based): `after` in the step, reassign it `to` someone, `notify`
    someone, and/or take `action` (one of the step's actions) automatically; at least one."""

    level: int
    after: Duration
    to: Assignee | None
    span: Span
    notify: Notify | None = None
    action: str | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """`to` a step or CLOSED. `form`: the key of the form the actor fills (its data is
    validated by the engine and read by later expressions as `case.data.FIELD`)."""

    name: str
    to: str  # a step id or CLOSED
    outcome: str | None  # recorded when the action closes the case; default: the action's name
    requires_comment: bool
    span: Span
    form: str | None = None
    label: Mapping[str, str] | None = None  # language → text; None: the name, humanised

    def title(self, language: str) -> str:
        """What pages call the action in `language` (its label, else its name in words)."""
        return _title(self.label, self.name, language)


@dataclass(frozen=True, slots=True)
class TermValue:
    """One `change_terms` entry: a literal value, or an expression evaluated when the step runs."""

    name: str
    literal: Any
    expression: Guard | None
    span: Span


@dataclass(frozen=True, slots=True)
class ChangeTermsOp:
    """`change_terms`; temporary when `until` (a duration from when it applies, or a date)
    and/or `restore_when` (a guard over the customer's record) is given: the engine then
    restores the terms it changed when the first of them comes."""

    values: tuple[TermValue, ...]
    span: Span
    until: Duration | dt.date | None = None
    restore_when: Guard | None = None

    @property
    def is_temporary(self) -> bool:
        return self.until is not None or self.restore_when is not None


@dataclass(frozen=True, slots=True)
class NotifyOp:
    notify: Notify
    span: Span


@dataclass(frozen=True, slots=True)
class StartOp:
    """Start workflow `workflow` for the same customer (its own dedupe applies)."""

    workflow: str
    span: Span


@dataclass(frozen=True, slots=True)
class SetFieldOp:
    """Set fields of the customer's form data: each value a literal or an expression (as in
    `change_terms`); the engine stores them like any update, audited and re-scored."""

    values: tuple[TermValue, ...]
    span: Span


class OrderDecision(StrEnum):
    RELEASE = "release"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class OrderDecisionOp:
    """`release_order` / `reject_order` in an `order_held` workflow: decide the held credit
    check that opened the case. The engine refuses a release beyond the acting user's overage
    authority (docs/credit-checks.md); an escalation may not lead to one."""

    decision: OrderDecision
    span: Span


Operation = ChangeTermsOp | NotifyOp | StartOp | SetFieldOp | OrderDecisionOp


@dataclass(frozen=True, slots=True)
class Step:
    """A task step (assignee, actions) or a `do` step (operations run at once, then `to`)."""

    id: str
    assignee: Assignee | None
    sla: Duration | None
    escalations: tuple[Escalation, ...]
    actions: Mapping[str, Action]  # read-only, in source order
    do: tuple[Operation, ...] | None  # None for a task step
    to: str | None  # a do step's next step or CLOSED
    span: Span
    approval: Approval | None = None
    reminders: tuple[Reminder, ...] = ()
    label: Mapping[str, str] | None = None  # language → text; None: the id, humanised

    @property
    def is_do(self) -> bool:
        return self.do is not None

    def title(self, language: str) -> str:
        """What pages call the step in `language` (its label, else its id in words)."""
        return _title(self.label, self.id, language)


def _title(label: Mapping[str, str] | None, name: str, language: str) -> str:
    if label:
        return label.get(language) or label.get("en") or next(iter(label.values()))
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@dataclass(frozen=True, slots=True)
class Workflow:
    """A checked workflow definition. `checksum` is the sha256 of the source text.

    `calendar` names the working calendar business days count on (None: the workspace's
    default, weekdays when it has none).
    """

    key: str
    label: Mapping[str, str]  # language -> text
    trigger: Trigger
    start: str  # the id of the first step
    steps: Mapping[str, Step]  # read-only, in source order
    checksum: str
    filename: str
    warnings: tuple[Diagnostic, ...] = field(default=())
    dedupe: Dedupe = Dedupe.IGNORE
    cancel_when: Guard | None = None
    calendar: str | None = None

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether the trigger's guard holds for `record` (customer fields, terms, and what the
        trigger kind adds: `workflows.triggers.TRIGGERS`, e.g. `assessment`, `raised_alert`,
        `event`, `order`, `changed`).

        True when there is no guard; a missing (None) result counts as false (rules-language §4).
        """
        guard = self.trigger.when
        if guard is None:
            return True
        return guard.expression.evaluate(record) is True

    def is_cancelled(self, record: Mapping[str, Any]) -> bool:
        """Whether `cancel_when` holds for `record`; False without one or on a missing result."""
        guard = self.cancel_when
        return guard is not None and guard.expression.evaluate(record) is True

    def step_title(self, step_id: str, language: str) -> str:
        """What pages call step `step_id` in `language`; an id the workflow lacks (`closed`,
        a step of an older version) in words."""
        step = self.steps.get(step_id)
        return step.title(language) if step is not None else _title(None, step_id, language)

    def action_title(self, step_id: str | None, action: str, language: str) -> str:
        """What pages call `action` of step `step_id` in `language` (found at any step when
        `step_id` is None or lacks it)."""
        steps = [self.steps[step_id]] if step_id is not None and step_id in self.steps else []
        for step in (*steps, *self.steps.values()):
            found = step.actions.get(action)
            if found is not None:
                return found.title(language)
        return _title(None, action, language)

    def outcome_title(self, outcome: str, language: str) -> str:
        """What pages call a closed case's `outcome` in `language`: the title of the action
        that records it (an action's outcome defaults to its name), else the outcome in words
        (`superseded`, `completed`: web/ translates those)."""
        for step in self.steps.values():
            for name, action in step.actions.items():
                if (action.outcome or name) == outcome:
                    return action.title(language)
        return _title(None, outcome, language)
