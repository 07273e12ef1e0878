"""The audit log page: rows filtered by actor, customer, action and day, its CSV export, and
verifying the chain.

Holders of `audit:read` in some departments only see those departments' rows (engine.audit_log);
verifying walks the whole chain, so it needs `audit:read` everywhere (docs/security.md,
"Administration"). Days are read in the workspace's time zone: "from" is inclusive, "to" takes
the whole day.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response, StreamingResponse

from engine.audit import ChainReport, verify_trail
from engine.audit_log import AuditEntryView, AuditFilter, list_audit, stream_audit
from engine.db import Database
from engine.errors import N_, InvalidRequestError, PermissionDeniedError
from engine.users import UserView
from web.deps import DbDep, HxRequest, PageAuditReader, PageSession, SettingsDep
from web.errors import page_detail
from web.pages import check_csrf, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
CSV_COLUMNS = (
    "id",
    "at",
    "actor",
    "action",
    "entity_kind",
    "entity_id",
    "department",
    "customer_ref",
    "detail",
)
# A cell starting with one of these is a formula to a spreadsheet: CSV export prefixes a quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_Filter = Annotated[str, Query(max_length=200)]
_DayFrom = Annotated[str, Query(alias="from", max_length=40)]
_DayTo = Annotated[str, Query(alias="to", max_length=40)]


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """The filters as typed on the page (empty: no filter)."""

    actor: str = ""
    customer: str = ""
    action: str = ""
    day_from: str = ""
    day_to: str = ""

    def params(self) -> dict[str, str]:
        """The non-empty filters as query parameters (for the next page and the CSV link)."""
        named = {
            "actor": self.actor,
            "customer": self.customer,
            "action": self.action,
            "from": self.day_from,
            "to": self.day_to,
        }
        return {k: v for k, v in named.items() if v}

    def to_filter(self, reader: UserView, tz: ZoneInfo) -> AuditFilter:
        """The engine's filter for `reader` (their departments). Raises InvalidRequestError for a
        day that is not YYYY-MM-DD or a range that ends before it starts."""
        since = _day_start(self.day_from, "from", tz)
        until = _day_start(self.day_to, "to", tz)
        until = until + timedelta(days=1) if until is not None else None
        if since is not None and until is not None and until <= since:
            raise InvalidRequestError(N_("the day 'to' is before the day 'from'"))
        return AuditFilter(
            actor=self.actor or None,
            customer_ref=self.customer or None,
            action_prefix=self.action or None,
            since=since,
            until=until,
            departments=reader.access.departments_for("audit:read"),
        )


def _day_start(text: str, name: str, tz: ZoneInfo) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError(
            N_("the day '%(name)s' is not a date (YYYY-MM-DD): %(text)s"), name=name, text=text
        ) from None
    return datetime.combine(day, time(), tzinfo=tz)


def _query(actor: str, customer: str, action: str, day_from: str, day_to: str) -> AuditQuery:
    return AuditQuery(
        actor=actor.strip(),
        customer=customer.strip(),
        action=action.strip(),
        day_from=day_from.strip(),
        day_to=day_to.strip(),
    )


def _audit_page(
    request: Request,
    database: Database,
    reader: UserView,
    query: AuditQuery,
    *,
    tz: ZoneInfo,
    cursor: str | None = None,
    report: ChainReport | None = None,
    block: str | None = None,
) -> Response:
    error: str | None = None
    rows: tuple[AuditEntryView, ...] = ()
    next_cursor: str | None = None
    try:
        audit_filter = query.to_filter(reader, tz)
        with database.transaction() as session:
            page = list_audit(
                session,
                actor=audit_filter.actor,
                customer_ref=audit_filter.customer_ref,
                action_prefix=audit_filter.action_prefix,
                since=audit_filter.since,
                until=audit_filter.until,
                departments=audit_filter.departments,
                cursor=cursor,
                limit=PAGE_SIZE,
            )
        rows, next_cursor = page.items, page.next_cursor
    except InvalidRequestError as exc:
        error = page_detail(request, exc)
    params = query.params()
    context = {
        "section": "audit",
        "rows": rows,
        "query": query,
        "error": error,
        "next_cursor": next_cursor,
        "filter_params": urlencode(params),
        "next_params": urlencode({**params, "cursor": next_cursor}) if next_cursor else "",
        "csv_params": urlencode(params),
        "may_verify": reader.can("audit:read"),
        "report": report,
    }
    return render(
        request, "admin_audit.html", context, status_code=422 if error else 200, block=block
    )


@router.get("/admin/audit")
def audit_page(
    request: Request,
    reader: PageAuditReader,
    database: DbDep,
    settings: SettingsDep,
    hx: HxRequest,
    actor: _Filter = "",
    customer: _Filter = "",
    action: _Filter = "",
    day_from: _DayFrom = "",
    day_to: _DayTo = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    query = _query(actor, customer, action, day_from, day_to)
    return _audit_page(
        request,
        database,
        reader,
        query,
        tz=settings.tz,
        cursor=cursor or None,
        block="results" if hx else None,
    )


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _csv_lines(database: Database, audit_filter: AuditFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    with database.transaction() as session:
        for row in stream_audit(session, audit_filter):
            writer.writerow(
                [
                    row.id,
                    row.at.isoformat(),
                    _cell(row.actor or ""),
                    _cell(row.action),
                    _cell(row.entity_kind),
                    _cell(row.entity_id or ""),
                    _cell(row.department or ""),
                    _cell(row.customer_ref or ""),
                    json.dumps(row.detail, ensure_ascii=False, sort_keys=True, default=str),
                ]
            )
            yield flush()


@router.get("/admin/audit.csv")
def audit_csv(
    request: Request,
    reader: PageAuditReader,
    database: DbDep,
    settings: SettingsDep,
    actor: _Filter = "",
    customer: _Filter = "",
    action: _Filter = "",
    day_from: _DayFrom = "",
    day_to: _DayTo = "",
) -> Response:
    """The rows the page's filters select, every page of them, as CSV (UTF-8, times in UTC)."""
    query = _query(actor, customer, action, day_from, day_to)
    audit_filter = query.to_filter(reader, settings.tz)  # a bad day: the error page, 422
    return StreamingResponse(
        _csv_lines(database, audit_filter),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


@router.post("/admin/audit/verify")
def audit_verify(
    request: Request,
    reader: PageAuditReader,
    session: PageSession,
    database: DbDep,
    settings: SettingsDep,
    hx: HxRequest,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Walk the whole chain and show what was found (the `verify` block for htmx)."""
    check_csrf(session, csrf_token)
    if not reader.can("audit:read"):
        raise PermissionDeniedError(
            N_("verifying the audit trail needs the permission audit:read everywhere")
        )
    with database.transaction() as db_session:
        report = verify_trail(db_session)
    return _audit_page(
        request,
        database,
        reader,
        AuditQuery(),
        tz=settings.tz,
        report=report,
        block="verify" if hx else None,
    )
