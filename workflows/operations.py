"""The operations of a do step, each turned into the effect the engine carries out. Pure.

One entry per operation type in `_OPERATIONS`. Expressions read the customer's record as the
chain has changed it so far, plus `case.step` and `case.data` (the action forms' data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from workflows.assignment import Assignment, resolve
from workflows.calendar import add_duration
from workflows.model import (
    ChangeTermsOp,
    NotifyOp,
    Operation,
    OrderDecisionOp,
    SetFieldOp,
    StartOp,
    TermValue,
)
from workflows.transitions import (
    ChangeTerms,
    DecideOrder,
    Effect,
    Env,
    NotificationKind,
    SendNotification,
    SetFields,
    StartWorkflow,
)


@dataclass(frozen=True, slots=True)
class OperationContext:
    """Where an operation runs: its step, the scope its expressions read, the moment, the
    environment, and the assignees of the case before the chain (for a `notify` without `to`)."""

    step: str
    scope: Mapping[str, Any]
    now: dt.datetime
    env: Env
    assignees: Assignment

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.env.tz).date()


def run_operation(operation: Operation, context: OperationContext) -> Effect:
    """The effect of one operation."""
    return _OPERATIONS[type(operation)](operation, context)


def evaluated(
    entries: tuple[TermValue, ...], context: OperationContext
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The values of `entries` (literals as written, expressions evaluated against the scope as
    it was before any of them applies) and the names whose expression gave a missing value."""
    values: dict[str, Any] = {}
    missing: list[str] = []
    for entry in entries:
        if entry.expression is None:
            values[entry.name] = entry.literal
            continue
        value = entry.expression.expression.evaluate(context.scope, as_of=context.today)
        if value is None:
            missing.append(entry.name)  # rules-language §4: evaluation never raises for data
        else:
            values[entry.name] = value
    return values, tuple(missing)


def _change_terms(operation: Any, context: OperationContext) -> Effect:
    assert isinstance(operation, ChangeTermsOp)
    values, missing = evaluated(operation.values, context)
    until = operation.until
    if isinstance(until, dt.date):
        # a date ends the change at its start, in the workspace's time zone
        moment = dt.datetime.combine(until, dt.time(0), tzinfo=context.env.tz)
        ends: dt.datetime | None = moment.astimezone(dt.UTC)
    elif until is not None:
        ends = add_duration(context.now, until, calendar=context.env.calendar, tz=context.env.tz)
    else:
        ends = None
    restore = operation.restore_when
    return ChangeTerms(
        values=MappingProxyType(values),
        step=context.step,
        missing=missing,
        until=ends,
        restore_when=restore.source if restore is not None else None,
    )


def _notify(operation: Any, context: OperationContext) -> Effect:
    assert isinstance(operation, NotifyOp)
    notify = operation.notify
    whom = resolve(notify.to, context.env) if notify.to is not None else context.assignees
    return SendNotification(
        kind=NotificationKind.NOTIFY,
        step=context.step,
        to=notify.to,
        assigned_role=whom.role,
        assigned_department=whom.department,
        assigned_user=whom.user,
        template=notify.template,
        message=notify.message,
    )


def _start(operation: Any, context: OperationContext) -> Effect:
    assert isinstance(operation, StartOp)
    return StartWorkflow(key=operation.workflow, step=context.step)


def _set_field(operation: Any, context: OperationContext) -> Effect:
    assert isinstance(operation, SetFieldOp)
    values, missing = evaluated(operation.values, context)
    return SetFields(values=MappingProxyType(values), step=context.step, missing=missing)


def _decide_order(operation: Any, context: OperationContext) -> Effect:
    assert isinstance(operation, OrderDecisionOp)
    return DecideOrder(decision=operation.decision, step=context.step)


_OPERATIONS: dict[type, Callable[[Any, OperationContext], Effect]] = {
    ChangeTermsOp: _change_terms,
    NotifyOp: _notify,
    StartOp: _start,
    SetFieldOp: _set_field,
    OrderDecisionOp: _decide_order,
}
