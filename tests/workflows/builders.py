"""Workflow values built directly, for semantics tests of keys the loader may not read yet.

Each builder takes what a test varies and fills the rest with neutral values; the spans all point
at one place in a file named `built.yaml`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

import dsl
from dsl import FieldInfo, Span, ValueType
from tests.workflows.conftest import SCHEMA
from workflows import (
    CUSTOMER_DEPARTMENT,
    Action,
    Approval,
    Assignee,
    AssigneeKind,
    ChangeTermsOp,
    Dedupe,
    Duration,
    Escalation,
    Guard,
    Notify,
    Operation,
    Quorum,
    Reminder,
    Step,
    TermValue,
    Trigger,
    TriggerKind,
    Workflow,
    parse_duration,
)

SPAN = Span("built.yaml", 1, 1, 1, 1)

# What built expressions read: the customer's fields and terms, plus the case and its form data.
CASE_SCHEMA = {
    **SCHEMA,
    "case": FieldInfo(
        ValueType.RECORD,
        fields={
            "step": FieldInfo(ValueType.TEXT),
            "data": FieldInfo(
                ValueType.RECORD,
                fields={
                    "proposed_limit": FieldInfo(ValueType.MONEY),
                    "proposed_days": FieldInfo(ValueType.NUMBER),
                },
            ),
        },
    ),
}


def duration(text: str) -> Duration:
    parsed = parse_duration(text)
    assert parsed is not None, text
    return parsed


def guard(source: str) -> Guard:
    compiled = dsl.compile_expression(source, filename="built.yaml", schema=CASE_SCHEMA)
    return Guard(source=source, expression=compiled, span=SPAN)


def role(name: str, department: str = CUSTOMER_DEPARTMENT) -> Assignee:
    return Assignee(AssigneeKind.ROLE, SPAN, role=name, department=department)


def user(name: str) -> Assignee:
    return Assignee(AssigneeKind.USER, SPAN, user=name)


def owner() -> Assignee:
    return Assignee(AssigneeKind.OWNER, SPAN)


def action(
    name: str,
    to: str,
    *,
    outcome: str | None = None,
    requires_comment: bool = False,
    form: str | None = None,
) -> Action:
    return Action(name, to, outcome, requires_comment, SPAN, form=form)


def approval(
    quorum: Quorum | int = Quorum.ANY, *, four_eyes: bool = False, name: str = "approve"
) -> Approval:
    return Approval(quorum=quorum, four_eyes=four_eyes, action=name, span=SPAN)


def notify(
    to: Assignee | None = None,
    *,
    template: str | None = None,
    message: Mapping[str, str] | None = None,
) -> Notify:
    return Notify(to=to, template=template, message=message, span=SPAN)


def escalate(
    level: int,
    after: str,
    *,
    to: Assignee | None = None,
    notify: Notify | None = None,
    action: str | None = None,
) -> Escalation:
    return Escalation(
        level=level, after=duration(after), to=to, span=SPAN, notify=notify, action=action
    )


def task(
    step_id: str,
    assignee: Assignee,
    actions: Iterable[Action],
    *,
    sla: str | None = None,
    escalations: Iterable[Escalation] = (),
    approval: Approval | None = None,
    remind: Iterable[str] = (),
) -> Step:
    return Step(
        id=step_id,
        assignee=assignee,
        sla=duration(sla) if sla is not None else None,
        escalations=tuple(escalations),
        actions=MappingProxyType({a.name: a for a in actions}),
        do=None,
        to=None,
        span=SPAN,
        approval=approval,
        reminders=tuple(Reminder(before=duration(b), span=SPAN) for b in remind),
    )


def do(step_id: str, operations: Iterable[Operation], to: str) -> Step:
    return Step(
        id=step_id,
        assignee=None,
        sla=None,
        escalations=(),
        actions=MappingProxyType({}),
        do=tuple(operations),
        to=to,
        span=SPAN,
    )


def values(**entries: Any) -> tuple[TermValue, ...]:
    """Literal values, except text starting with `=`: an expression (`="credit_limit * 50%"`)."""
    built = []
    for name, value in entries.items():
        if isinstance(value, str) and value.startswith("="):
            built.append(TermValue(name, None, guard(value[1:]), SPAN))
        else:
            built.append(TermValue(name, value, None, SPAN))
    return tuple(built)


def change_terms(
    *,
    until: Duration | date | None = None,
    restore_when: str | None = None,
    **entries: Any,
) -> ChangeTermsOp:
    return ChangeTermsOp(
        values=values(**entries),
        span=SPAN,
        until=until,
        restore_when=guard(restore_when) if restore_when is not None else None,
    )


def workflow(
    steps: Iterable[Step],
    *,
    key: str = "built",
    start: str | None = None,
    cancel_when: str | None = None,
    dedupe: Dedupe = Dedupe.IGNORE,
) -> Workflow:
    by_id = {s.id: s for s in steps}
    return Workflow(
        key=key,
        label=MappingProxyType({"en": key}),
        trigger=Trigger(TriggerKind.MANUAL, None, SPAN),
        start=start or next(iter(by_id)),
        steps=MappingProxyType(by_id),
        checksum="0" * 64,
        filename="built.yaml",
        dedupe=dedupe,
        cancel_when=guard(cancel_when) if cancel_when is not None else None,
    )


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment in March 2026 (the 2nd is a Monday), UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)
