"""Starting a `manual` workflow for one customer: a permitted user's "start review" click.

The workflow must be published with `trigger: {on: manual}`; its `when` guard reads the
customer's record, the latest assessment and `started_by`. The case opens through the same path
as every trigger (engine.triggers), in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

import workflows
from engine import specs, triggers
from engine.access import Access
from engine.customers import find_customer
from engine.errors import (
    N_,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from engine.evaluation import customer_record, guard_record, latest_assessment
from engine.scoping import Scope

START_PERMISSION = "cases:start"


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
) -> int:
    """Open a case of manual workflow `workflow_key` for customer `ref`; returns its id.

    Raises NotFoundError (no such customer in `scope`, or no such published manual workflow),
    PermissionDeniedError (no `cases:start` for the customer's department), ConflictError (the
    customer has an open case of it: its id is in the message), InvalidRequestError (the
    workflow's condition does not hold for this customer).
    """
    customer = find_customer(session, ref, scope=scope)
    assert customer.id is not None
    if not access.can(START_PERMISSION, customer.department):
        raise PermissionDeniedError(
            N_("this needs the permission %(permission)s"), permission=START_PERMISSION
        )
    workflow = next((w for w in manual_workflows(session) if w.key == workflow_key), None)
    if workflow is None:
        raise NotFoundError(
            N_("there is no workflow '%(key)s' that can be started by hand"), key=workflow_key
        )
    existing = triggers.open_case_of(session, customer.id, workflow.key)
    if existing is not None:
        raise ConflictError(
            N_("customer '%(ref)s' already has an open case %(id)s of this workflow"),
            ref=ref,
            id=existing.id,
        )
    latest = latest_assessment(session, customer.id)
    record = customer_record(session, customer)
    if latest is not None:
        record = guard_record(record, latest)
    reason: dict[str, str] = {"trigger": str(workflows.TriggerKind.MANUAL), "by": actor}
    if comment and comment.strip():
        reason["comment"] = comment.strip()
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
