"""Alerts (issue 12, docs/alerts.md): list them by status, severity and department, read one
with its history, acknowledge one with a comment. Reading needs `customers:read`, acknowledging
`alerts:acknowledge`, each in the alert's customer's department."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from engine import alerts
from engine.errors import N_, NotFoundError
from engine.pagination import MAX_LIMIT
from engine.types import is_row_id
from engine.users import UserView
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, NowDep, Reader, require
from web.schemas_alerts import AcknowledgeRequest, AlertPage, AlertPublic

router = APIRouter(tags=["alerts"], route_class=StrictJSONRoute)

ACKNOWLEDGE = "alerts:acknowledge"
Acknowledger = Annotated[UserView, Depends(require(ACKNOWLEDGE))]


def _alert_id(alert_id: Annotated[int, Path(description="the alert's id")]) -> int:
    if not is_row_id(alert_id):
        raise NotFoundError(N_("there is no alert %(id)s"), id=alert_id)
    return alert_id


AlertId = Annotated[int, Depends(_alert_id)]


@router.get("/alerts", response_model=AlertPage)
def get_alerts(
    user: Reader,
    database: DbDep,
    status: Annotated[
        str | None,
        Query(
            max_length=20,
            description="open, acknowledged, resolved, or active (open and acknowledged: the "
            "default); `all` for every status",
        ),
    ] = alerts.ACTIVE_FILTER,
    severity: Annotated[str | None, Query(max_length=20)] = None,
    department: Annotated[str | None, Query(max_length=100)] = None,
    customer: Annotated[str | None, Query(max_length=200, description="a customer's ref")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> AlertPage:
    """Alerts of the customers in your departments, newest first, a page at a time."""
    with database.transaction() as session:
        page = alerts.list_alerts(
            session,
            status=None if status == "all" else status,
            severity=severity,
            department=department,
            customer_ref=customer,
            cursor=cursor,
            limit=limit,
            scope=user.access.departments_for("customers:read"),
        )
    return AlertPage(
        items=[AlertPublic.of(item) for item in page.items], next_cursor=page.next_cursor
    )


@router.get("/alerts/{alert_id}", response_model=AlertPublic)
def get_alert(alert_id: AlertId, user: Reader, database: DbDep) -> AlertPublic:
    """One alert with its history: opened, updated, acknowledged, resolved."""
    with database.transaction() as session:
        item = alerts.get_alert(
            session, alert_id, scope=user.access.departments_for("customers:read")
        )
    return AlertPublic.of(item, history=True)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertPublic)
def post_acknowledge(
    alert_id: AlertId,
    body: AcknowledgeRequest,
    user: Acknowledger,
    database: DbDep,
    now: NowDep,
) -> AlertPublic:
    """Say you have seen the alert and what is done about it: it stays acknowledged until its
    rule stops firing. 409 when it is resolved or acknowledged already."""
    with database.transaction() as session:
        item = alerts.acknowledge(
            session,
            alert_id,
            comment=body.comment,
            actor=user.name,
            now=now,
            scope=user.access.departments_for(ACKNOWLEDGE),
        )
    return AlertPublic.of(item, history=True)
