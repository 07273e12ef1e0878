"""Starting a `manual` workflow for one customer: a permitted user's "start review" click.

The workflow must be published with `trigger: {on: manual}`; its `when` guard reads the
customer's record, the latest assessment and `started_by`. The case opens through the same path
as every trigger (engine.triggers), in the caller's transaction. `startable_workflows` is what
the customer page offers: the manual workflows the caller may start there, each with the
customer's open case of it, if any.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from sqlmodel import Session

import workflows
from engine import specs, triggers
from engine.access import Access
from engine.comments import checked_comment
from engine.customers import find_customer
from engine.errors import (
    N_,
    CaseAlreadyOpenError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from engine.evaluation import customer_record, guard_record, latest_assessment
from engine.scoping import Scope

START_PERMISSION = "cases:start"
# the longest reason a manual start keeps (CaseStartRequest bounds the API the same)
MAX_START_COMMENT_LENGTH = 4000


def manual_workflows(session: Session) -> list[specs.LoadedSpec[workflows.Workflow]]:
    """The published workflows a user may start by hand, in key order."""
    return sorted(
        (
            w
            for w in specs.published_workflows(session)
            if w.value.trigger.on is workflows.TriggerKind.MANUAL
        ),
        key=lambda w: w.key,
    )


@dataclass(frozen=True, slots=True)
class StartableWorkflow:
    """A manual workflow as the customer page offers it: its key, its label (language → text)
    and the customer's open case of it, which a start would be refused for (None: no open
    case)."""

    key: str
    label: Mapping[str, str]
    open_case_id: int | None


def startable_workflows(
    session: Session, ref: str, *, access: Access, scope: Scope
) -> tuple[StartableWorkflow, ...]:
    """The published manual workflows the caller may start for customer `ref`, in key order:
    none unless they hold `cases:start` for the customer's department.

    Raises NotFoundError (no such customer in `scope`)."""
    customer = find_customer(session, ref, scope=scope)
    assert customer.id is not None
    if not access.can(START_PERMISSION, customer.department):
        return ()
    startable = []
    for workflow in manual_workflows(session):
        existing = triggers.open_case_of(session, customer.id, workflow.key)
        startable.append(
            StartableWorkflow(
                key=workflow.key,
                label=dict(workflow.value.label),
                open_case_id=existing.id if existing is not None else None,
            )
        )
    return tuple(startable)


def start_manually(
    session: Session,
    ref: str,
    workflow_key: str,
    *,
    actor: str,
    access: Access,
    scope: Scope,
    comment: str | None,
    now: datetime,
    tz: tzinfo = UTC,
) -> int:
    """Open a case of manual workflow `workflow_key` for customer `ref`; returns its id.

    Raises NotFoundError (no such customer in `scope`, or no such published manual workflow),
    PermissionDeniedError (no `cases:start` for the customer's department), CaseAlreadyOpenError
    (a ConflictError: the customer has an open case of it, whose id it carries),
    InvalidRequestError (a comment holding control characters other than line breaks, or the
    workflow's condition does not hold for this customer).
    """
    customer = find_customer(session, ref, scope=scope)
    assert customer.id is not None
    if not access.can(START_PERMISSION, customer.department):
        raise PermissionDeniedError(
            N_("this needs the permission %(permission)s"), permission=START_PERMISSION
        )
    comment = checked_comment(comment, max_length=MAX_START_COMMENT_LENGTH)
    workflow = next((w for w in manual_workflows(session) if w.key == workflow_key), None)
    if workflow is None:
        raise NotFoundError(
            N_("there is no workflow '%(key)s' that can be started by hand"), key=workflow_key
        )
    existing = triggers.open_case_of(session, customer.id, workflow.key)
    if existing is not None:
        assert existing.id is not None
        raise CaseAlreadyOpenError(
            N_("customer '%(ref)s' already has an open case %(id)s of this workflow"),
            case_id=existing.id,
            ref=ref,
        )
    latest = latest_assessment(session, customer.id)
    record = customer_record(session, customer, tz=tz)
    if latest is not None:
        record = guard_record(record, latest)
    reason: dict[str, str] = {"trigger": str(workflows.TriggerKind.MANUAL), "by": actor}
    if comment is not None:
        reason["comment"] = comment
    occurrence = workflows.Occurrence(
        kind=workflows.TriggerKind.MANUAL, facts={"started_by": actor}, reason=reason
    )
    started = triggers.start_workflows(
        session,
        occurrence,
        customer=customer,
        record=record,
        actor=actor,
        now=now,
        tz=tz,
        published=[workflow],
        assessment_id=latest.id if latest is not None else None,
    )
    if not started.opened:
        raise InvalidRequestError(
            N_("the condition of workflow '%(key)s' does not hold for customer '%(ref)s'"),
            key=workflow_key,
            ref=ref,
        )
    return started.opened[0]
