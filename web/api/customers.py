"""Customers and their events."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import Response as FileResponse

from engine.customer_export import FORMATS, export_customers
from engine.customer_list import list_customers
from engine.customers import CLEARABLE, CustomerInput, get_customer, upsert_customer
from engine.db import Database
from engine.events import EventInput, record_event
from engine.explanations import list_assessments
from engine.pagination import MAX_LIMIT
from engine.users import UserView
from engine.views import CustomerUpserted
from web.api.json_body import StrictJSONRoute
from web.customer_params import CustomerQueryDep
from web.deps import CustomerWriter, DbDep, EventWriter, LanguageDep, NowDep, Reader, SettingsDep
from web.i18n import translator
from web.schemas import (
    AssessmentPage,
    AssessmentSummaryPublic,
    CustomerPage,
    CustomerPatch,
    CustomerPublic,
    CustomerSummaryPublic,
    CustomerUpsert,
    EventCreate,
    EventPublic,
    EventRecordedPublic,
)

router = APIRouter(tags=["customers"], route_class=StrictJSONRoute)

Ref = Annotated[str, Path(min_length=1, max_length=200, description="the customer's reference")]


@router.put(
    "/customers/{ref}",
    response_model=CustomerPublic,
    responses={201: {"model": CustomerPublic, "description": "Created"}},
)
def put_customer(
    ref: Ref,
    body: CustomerUpsert,
    response: Response,
    user: CustomerWriter,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: LanguageDep,
) -> CustomerPublic:
    """Create (201) or update (200) a customer with its whole record, score it, and start the
    workflows it triggers.

    A department or owner left out is kept (`null` empties it). `terms` count only at creation;
    changed terms on an existing customer are a 409, and so is an `expected_version` the
    customer is no longer at. The assessment's `explanation` and `change` are in `?lang=` (or
    Accept-Language): en or zh.
    """
    terms = body.terms.model_dump(mode="json", exclude_unset=True) if body.terms else None
    result, public = _upsert(
        ref, _input(body, terms=terms), user, database, settings.tz, now, language
    )
    response.status_code = 201 if result.created else 200
    return public


@router.patch("/customers/{ref}", response_model=CustomerPublic)
def patch_customer(
    ref: Ref,
    body: CustomerPatch,
    user: CustomerWriter,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: LanguageDep,
) -> CustomerPublic:
    """Change only the fields sent of an existing customer (404 when there is none): `data` is
    merged into the stored data and the whole record validated; then the customer is scored
    and the workflows the change triggers start, as after a PUT. A 409 when the customer is
    no longer at `expected_version`."""
    _, public = _upsert(
        ref, _input(body, is_partial=True), user, database, settings.tz, now, language
    )
    return public


def _input(body: CustomerUpsert | CustomerPatch, **more: Any) -> CustomerInput:
    """What a PUT or PATCH body asks the engine to store (`more`: terms, is_partial)."""
    return CustomerInput(
        name=body.name,
        department=body.department,
        owner=body.owner,
        cleared=_cleared(body),
        data=body.data,
        source=body.source,
        expected_version=body.expected_version,
        **more,
    )


def _upsert(
    ref: str,
    payload: CustomerInput,
    user: UserView,
    database: Database,
    tz: tzinfo,
    now: datetime,
    language: str,
) -> tuple[CustomerUpserted, CustomerPublic]:
    """The upsert of `payload` by `user`, within the departments they may write, and the
    customer as answered: built before the commit, so a response that cannot be built rolls
    the upsert back."""
    with database.transaction() as session:
        result = upsert_customer(
            session,
            ref,
            payload,
            actor=user.name,
            now=now,
            tz=tz,
            viewer=user,
            scope=user.access.departments_for("customers:write"),
        )
        return result, CustomerPublic.of(result.customer, language)


def _cleared(body: CustomerUpsert | CustomerPatch) -> frozenset[str]:
    """The department or owner the body empties: sent as `null` (left out: kept)."""
    return frozenset(
        name for name in CLEARABLE if name in body.model_fields_set and getattr(body, name) is None
    )


@router.get("/customers", response_model=CustomerPage)
def get_customers(
    user: Reader,
    database: DbDep,
    query: CustomerQueryDep,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> CustomerPage:
    """Customers filtered and sorted (default: creation order), a page at a time, with the
    `total` the filters match; pass `next_cursor` (or `previous_cursor`) back as `cursor`."""
    with database.transaction() as session:
        page = list_customers(
            session,
            query=query,
            cursor=cursor,
            limit=limit,
            scope=user.access.departments_for("customers:read"),
        )
    return CustomerPage(
        items=[CustomerSummaryPublic.of(c) for c in page.items],
        next_cursor=page.next_cursor,
        previous_cursor=page.previous_cursor,
        total=page.total,
    )


@router.get(
    "/customer-export",
    response_class=FileResponse,
    responses={200: {"content": {media: {} for media in FORMATS.values()}}},
)
def get_customers_export(
    user: Reader,
    database: DbDep,
    query: CustomerQueryDep,
    language: LanguageDep,
    file_format: Annotated[str, Query(alias="format", description="csv or xlsx")] = "csv",
) -> FileResponse:
    """The filtered, sorted list as a CSV or XLSX file, with the form data; sensitive values
    masked unless you hold view_sensitive in the customer's department. At most 10,000 rows:
    `X-Export-Capped: true` (and a last row) says the list was cut."""
    gettext = translator(language).gettext
    with database.transaction() as session:
        export = export_customers(
            session,
            query,
            file_format=file_format,
            viewer=user,
            scope=user.access.departments_for("customers:read"),
            say=lambda text: text.in_language(language, gettext),
        )
    headers = {
        "Content-Disposition": f'attachment; filename="{export.filename}"',
        "X-Export-Rows": str(export.rows),
        "X-Export-Capped": "true" if export.is_capped else "false",
    }
    return FileResponse(export.content, media_type=export.media_type, headers=headers)


@router.get("/customers/{ref}", response_model=CustomerPublic)
def get_one_customer(
    ref: Ref, user: Reader, database: DbDep, language: LanguageDep
) -> CustomerPublic:
    """A customer with its data, latest assessment (explained, in `?lang=` or Accept-Language),
    terms, open alerts and open cases."""
    with database.transaction() as session:
        customer = get_customer(
            session, ref, viewer=user, scope=user.access.departments_for("customers:read")
        )
    return CustomerPublic.of(customer, language)


@router.get("/customers/{ref}/assessments", response_model=AssessmentPage)
def get_assessments(
    ref: Ref,
    user: Reader,
    database: DbDep,
    language: LanguageDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> AssessmentPage:
    """The customer's assessments, newest first, a page at a time; pass `next_cursor` back as
    `cursor`. `change_summary` says what changed when an assessment changed the tier."""
    with database.transaction() as session:
        page = list_assessments(
            session,
            ref,
            cursor=cursor,
            limit=limit,
            scope=user.access.departments_for("customers:read"),
        )
    return AssessmentPage(
        items=[AssessmentSummaryPublic.of(a, language) for a in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/customers/{ref}/events",
    status_code=201,
    response_model=EventRecordedPublic,
    responses={200: {"model": EventRecordedPublic, "description": "A replayed Idempotency-Key"}},
)
def post_event(
    ref: Ref,
    body: EventCreate,
    response: Response,
    user: EventWriter,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: LanguageDep,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
    ] = None,
) -> EventRecordedPublic:
    """Record an event and re-score the customer; a repeated `Idempotency-Key` returns the
    original (200), the same key with another body is a 409."""
    payload = EventInput(
        kind=body.kind, occurred_at=body.occurred_at, payload=body.payload, source=body.source
    )
    with database.transaction() as session:
        result = record_event(
            session,
            ref,
            payload,
            idempotency_key=idempotency_key,
            actor=user.name,
            now=now,
            tz=settings.tz,
            viewer=user,
            scope=user.access.departments_for("events:write"),
        )
        # built before the commit: a response that cannot be built rolls the event back, so a
        # retried request does not store it twice
        public = EventRecordedPublic(
            event=EventPublic.of(result.event),
            customer=CustomerPublic.of(result.customer, language),
            cases_opened=list(result.cases_opened),
        )
    response.status_code = 201 if result.created else 200
    return public
