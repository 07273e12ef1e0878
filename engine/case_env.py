"""What a workflow's pure functions need to know beside the case and the record
(`workflows.Env`): the working calendar its business days count on, the workspace time zone and
the customer's owner."""

from __future__ import annotations

from datetime import tzinfo

from sqlmodel import Session

import workflows
from engine.models import Customer


def workflow_env(
    session: Session, workflow: workflows.Workflow, customer: Customer | None, *, tz: tzinfo
) -> workflows.Env:
    """The Env `workflow` runs in for `customer` (None: a case about no customer)."""
    del session  # the calendars of the template are read here once they are stored
    return workflows.Env(
        calendar=workflows.WEEKDAYS,
        tz=tz,
        owner=customer.owner if customer is not None else None,
    )
