"""A customer's events and credit-terms changes, read a page at a time (customers:read in the
customer's department)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from engine.customer_records import customer_events, terms_history
from engine.pagination import MAX_LIMIT
from web.api.customers import Ref
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, LanguageDep, Reader
from web.schemas_customer_records import CustomerEventPage, TermsChangePage, TermsChangePublic

router = APIRouter(tags=["customers"], route_class=StrictJSONRoute)

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=200)]


@router.get("/customers/{ref}/events", response_model=CustomerEventPage)
def get_events(
    ref: Ref,
    user: Reader,
    database: DbDep,
    language: LanguageDep,
    kind: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> CustomerEventPage:
    """The customer's events, newest first (by when they occurred), of `kind` when given, with
    every kind it has events of and their counts; pass `next_cursor` back as `cursor`."""
    with database.transaction() as session:
        found = customer_events(
            session, ref, language=language, kind=kind or None, cursor=cursor, limit=limit,
            scope=user.access.departments_for("customers:read"),
        )  # fmt: skip
    return CustomerEventPage.of(found)


@router.get("/customers/{ref}/terms-changes", response_model=TermsChangePage)
def get_terms_changes(
    ref: Ref,
    user: Reader,
    database: DbDep,
    language: LanguageDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> TermsChangePage:
    """The changes of the customer's credit terms, newest first: each term's value before and
    after, the case that made it and its approver, a temporary change's restoration."""
    with database.transaction() as session:
        page = terms_history(
            session, ref, language=language, cursor=cursor, limit=limit,
            scope=user.access.departments_for("customers:read"),
        )  # fmt: skip
    return TermsChangePage(
        items=[TermsChangePublic.of(e) for e in page.items], next_cursor=page.next_cursor
    )
