"""What a workflow's pure functions need to know beside the case and the record
(`workflows.Env`): the working calendar its business days count on, the workspace time zone and
the customer's owner.

The calendar is the one the workflow names (`calendar: cn`), else the workspace's default
(engine.calendars). A published workflow keeps running when the calendar it names is gone from
a later template: its business days then count on the default calendar."""

from __future__ import annotations

from datetime import tzinfo

from sqlmodel import Session

import workflows
from engine.calendars import workspace_calendar
from engine.errors import NotFoundError
from engine.models import Customer


def workflow_env(
    session: Session, workflow: workflows.Workflow, customer: Customer | None, *, tz: tzinfo
) -> workflows.Env:
    """The Env `workflow` runs in for `customer` (None: a case about no customer)."""
    try:
        calendar = workspace_calendar(session, workflow.calendar)
    except NotFoundError:
        calendar = workspace_calendar(session)
    return workflows.Env(
        calendar=calendar,
        tz=tz,
        owner=customer.owner if customer is not None else None,
    )
