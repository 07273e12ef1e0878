"""Loaded workflow definitions: frozen values built once by the loader and never changed after.

Pure data, no I/O. The meaning of these values (how a case moves) lives in `workflows.semantics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from dsl import CompiledExpression, Diagnostic, Span

# The target of a `to` that ends the case; no step may be named like it.
CLOSED = "closed"

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
    TIER_CHANGED = "tier_changed"


@dataclass(frozen=True, slots=True)
class Guard:
    """A rules-language expression with its source text, e.g. a trigger's `when`."""

    source: str
    expression: CompiledExpression
    span: Span


@dataclass(frozen=True, slots=True)
class Trigger:
    on: TriggerKind
    when: Guard | None
    span: Span


@dataclass(frozen=True, slots=True)
class Assignee:
    role: str
    span: Span


@dataclass(frozen=True, slots=True)
class Escalation:
    """Level `level` (1-based): after `after` in the step, the step is reassigned to `to`."""

    level: int
    after: timedelta
    to: Assignee
    span: Span


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    to: str  # a step id or CLOSED
    outcome: str | None  # recorded when the action closes the case; default: the action's name
    requires_comment: bool
    span: Span


@dataclass(frozen=True, slots=True)
class TermValue:
    """One `change_terms` entry: a literal value, or an expression evaluated when the step runs."""

    name: str
    literal: Any
    expression: Guard | None
    span: Span


@dataclass(frozen=True, slots=True)
class ChangeTermsOp:
    values: tuple[TermValue, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Step:
    """A task step (assignee, actions) or a `do` step (operations run at once, then `to`)."""

    id: str
    assignee: Assignee | None
    sla: timedelta | None
    escalations: tuple[Escalation, ...]
    actions: Mapping[str, Action]  # read-only, in source order
    do: tuple[ChangeTermsOp, ...] | None  # None for a task step
    to: str | None  # a do step's next step or CLOSED
    span: Span

    @property
    def is_do(self) -> bool:
        return self.do is not None


@dataclass(frozen=True, slots=True)
class Workflow:
    """A checked workflow definition. `checksum` is the sha256 of the source text."""

    key: str
    label: Mapping[str, str]  # language -> text
    trigger: Trigger
    start: str  # the id of the first step
    steps: Mapping[str, Step]  # read-only, in source order
    checksum: str
    filename: str
    warnings: tuple[Diagnostic, ...] = field(default=())

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether the trigger's guard holds for `record` (customer fields, terms, `assessment`).

        True when there is no guard; a missing (None) result counts as false (rules-language §4).
        """
        guard = self.trigger.when
        if guard is None:
            return True
        return guard.expression.evaluate(record) is True
