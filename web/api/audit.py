"""The audit trail: read it (a page, or all of it as CSV) and verify its chain."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from engine.audit import ChainReport, verify_trail
from engine.audit_log import AuditEntryView, AuditFilter, export_audit, list_audit
from engine.db import Database
from engine.errors import N_, PermissionDeniedError
from engine.pagination import MAX_LIMIT
from web.api.json_body import StrictJSONRoute
from web.deps import AuditReader, DbDep

router = APIRouter(tags=["audit"], route_class=StrictJSONRoute)

ActorQuery = Annotated[str | None, Query(max_length=100, description="only rows by this actor")]
CustomerQuery = Annotated[
    str | None, Query(max_length=200, description="only rows about this customer (its ref)")
]
ActionQuery = Annotated[
    str | None,
    Query(max_length=100, description="only actions starting so, such as `case.` or `login`"),
]
SinceQuery = Annotated[
    datetime | None, Query(description="rows at or after this time (ISO 8601 with an offset)")
]
UntilQuery = Annotated[
    datetime | None, Query(description="rows before this time (ISO 8601 with an offset)")
]


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor: str | None
    action: str
    entity: str = Field(description="what the row is about: `kind:id`, such as `customer:C1`")
    entity_kind: str
    entity_id: str | None
    department: str | None
    customer_ref: str | None
    detail: dict[str, Any]

    @classmethod
    def of(cls, view: AuditEntryView) -> AuditEntryPublic:
        return cls(
            id=view.id,
            at=view.at,
            actor=view.actor,
            action=view.action,
            entity=_entity(view),
            entity_kind=view.entity_kind,
            entity_id=view.entity_id,
            department=view.department,
            customer_ref=view.customer_ref,
            detail=view.detail,
        )


class AuditPage(BaseModel):
    items: list[AuditEntryPublic]
    next_cursor: str | None


class ChainBreakPublic(BaseModel):
    kind: Literal["changed", "removed", "inserted", "head mismatch"]
    row_id: int | None = Field(
        description="the row changed or inserted, the first row removed, or the row the head names"
    )
    message: str


class AuditVerificationPublic(BaseModel):
    is_intact: bool
    rows: int = Field(description="rows verified, in chain order, before any break")
    last_id: int | None = Field(description="the last row verified")
    last_hash: str = Field(description="its keyed hash: record it to compare with later runs")
    summary: str = Field(description='"N rows, chain intact", or the break in one line')
    problem: ChainBreakPublic | None

    @classmethod
    def of(cls, report: ChainReport) -> AuditVerificationPublic:
        problem = report.problem
        return cls(
            is_intact=report.is_intact,
            rows=report.rows,
            last_id=report.last_id,
            last_hash=report.last_hash,
            summary=report.summary,
            problem=None
            if problem is None
            else ChainBreakPublic(
                kind=problem.kind, row_id=problem.row_id, message=problem.message
            ),
        )


def _entity(view: AuditEntryView) -> str:
    return view.entity_kind if view.entity_id is None else f"{view.entity_kind}:{view.entity_id}"


@router.get("/audit", response_model=AuditPage)
def get_audit(
    user: AuditReader,
    database: DbDep,
    actor: ActorQuery = None,
    customer: CustomerQuery = None,
    action: ActionQuery = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> AuditPage:
    """Audit rows, newest first, a page at a time; pass `next_cursor` back as `cursor`. A caller
    whose audit:read is scoped sees only the rows of their departments."""
    with database.transaction() as session:
        page = list_audit(
            session,
            actor=actor,
            customer_ref=customer,
            action_prefix=action,
            since=since,
            until=until,
            departments=user.access.departments_for("audit:read"),
            cursor=cursor,
            limit=limit,
        )
    return AuditPage(
        items=[AuditEntryPublic.of(e) for e in page.items], next_cursor=page.next_cursor
    )


CSV_COLUMNS = ("id", "at", "actor", "action", "entity", "department", "customer_ref", "detail")


def _cell(value: str) -> str:
    # A cell a spreadsheet would run as a formula is kept as text (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_lines(database: Database, audit_filter: AuditFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: tuple[str, ...]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(v) for v in values])
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    for entry in export_audit(database, audit_filter):
        yield line(
            (
                str(entry.id),
                entry.at.isoformat(),
                entry.actor or "",
                entry.action,
                _entity(entry),
                entry.department or "",
                entry.customer_ref or "",
                json.dumps(entry.detail, ensure_ascii=False, sort_keys=True),
            )
        )


@router.get(
    "/audit.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "the rows as CSV"}},
)
def get_audit_csv(
    user: AuditReader,
    database: DbDep,
    actor: ActorQuery = None,
    customer: CustomerQuery = None,
    action: ActionQuery = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> StreamingResponse:
    """Every audit row the filters select, newest first, as CSV (streamed: any number of rows).
    Columns: id, at, actor, action, entity, department, customer_ref, detail (JSON)."""
    audit_filter = AuditFilter(
        actor=actor,
        customer_ref=customer,
        action_prefix=action,
        since=since,
        until=until,
        departments=user.access.departments_for("audit:read"),
    )
    audit_filter.conditions()  # refuse bad times now, before the response starts
    return StreamingResponse(
        _csv_lines(database, audit_filter),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


@router.get("/audit/verify", response_model=AuditVerificationPublic)
def get_audit_verify(user: AuditReader, database: DbDep) -> AuditVerificationPublic:
    """Walk the whole audit chain and check its head: 200 with `is_intact`, and when broken the
    first row changed, removed or inserted (or a head mismatch). Needs audit:read everywhere."""
    if user.access.departments_for("audit:read") is not None:
        raise PermissionDeniedError(
            N_("verifying the whole audit trail needs audit:read in every department")
        )
    with database.transaction() as session:
        report = verify_trail(session)
    return AuditVerificationPublic.of(report)
