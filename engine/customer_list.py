"""The customer list: customers a caller may read, filtered and sorted (engine.customer_query),
a keyset page at a time with the total they match.

A page's cursor carries the sort value and id of the row it starts next to (engine.pagination
`Keyset`), so each page is one index range read whatever its depth. Rows without a sort value
(an unscored customer's score and tier rank) come after all others in either direction: they are
read as a second range once the first runs out, which keeps both ranges on their index on
SQLite and PostgreSQL alike (NULLS LAST would not).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, func, tuple_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

import forms
from engine.customer_query import NULLABLE_SORTS, SORT_COLUMNS, CustomerQuery, conditions
from engine.errors import N_, InvalidRequestError
from engine.models import Customer
from engine.pagination import Keyset, KeyValue, clamp_limit, decode_keyset, encode_keyset
from engine.scoping import Scope, where_within
from engine.types import is_row_id
from engine.views import CustomerList, CustomerSummary, number

# the two ranges of a sort whose column may be empty, in the order a forward page reads them
_VALUED: Final = 0
_EMPTY: Final = 1
# the customer attribute a sort's cursor value is read from, where it is not the sort's name
_ATTRIBUTES: Final = {"ref": "external_ref", "tier": "tier_rank"}
# above any rank a tiers block could give (a forged cursor's larger one would overflow
# PostgreSQL's integer column instead of being refused)
_MAX_RANK: Final = 2**31


def list_customers(
    session: Session,
    *,
    query: CustomerQuery | None = None,
    tier: str | None = None,
    department: str | None = None,
    search: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
    scope: Scope = None,
    counts_total: bool = True,
) -> CustomerList:
    """The page of customers within `scope` (engine.scoping) that `query` filters and sorts
    (default: every customer in id order), starting next to `cursor` (none: the first page).
    `tier`, `department` and `search`, when given, replace the query's. `total` counts every
    match unless `counts_total` is false.

    Raises InvalidRequestError for a foreign cursor, a cursor of another sort, or a limit below 1.
    """
    query = _merged(query or CustomerQuery(), tier=tier, department=department, search=search)
    size = clamp_limit(limit)
    keyset = decode_keyset(cursor, sort=query.sort)
    dialect = session.get_bind().dialect.name
    found = conditions(query, dialect=dialect)
    base = where_within(select(Customer), Customer.department, scope).where(*found)
    rows = _read(session, base, query=query, keyset=keyset, wanted=size + 1)
    has_more = len(rows) > size
    shown = rows[:size]
    if keyset is not None and keyset.is_before:
        shown.reverse()
        next_row = shown[-1] if shown else None
        previous_row = shown[0] if has_more else None
    else:
        next_row = shown[-1] if has_more else None
        previous_row = shown[0] if keyset is not None and shown else None
    total = None
    if counts_total:
        # count(*), not count(id): PostgreSQL counts a filter's matches from its index alone
        # (an index-only scan) only when no column is read; count(id) reads every matching row
        counted = where_within(
            select(func.count()).select_from(Customer), Customer.department, scope
        )
        total = session.exec(counted.where(*found)).one()
    return CustomerList(
        items=tuple(_summary(c) for c in shown),
        next_cursor=_cursor(query.sort, next_row, is_before=False),
        previous_cursor=_cursor(query.sort, previous_row, is_before=True),
        total=total,
    )


def _merged(
    query: CustomerQuery, *, tier: str | None, department: str | None, search: str | None
) -> CustomerQuery:
    """`query` with the filters the older keyword arguments give (None: the query's own)."""
    return replace(
        query,
        tier=query.tier if tier is None else tier,
        department=query.department if department is None else department,
        search=query.search if search is None else search,
    )


def _read(
    session: Session,
    base: SelectOfScalar[Customer],
    *,
    query: CustomerQuery,
    keyset: Keyset | None,
    wanted: int,
) -> list[Customer]:
    """Up to `wanted` rows next to `keyset` in the list's order (before it: nearest first)."""
    is_backward = keyset is not None and keyset.is_before
    # the direction the index is read in
    is_descending = query.is_descending != is_backward
    column = col(SORT_COLUMNS[query.sort])
    ranges: tuple[int, ...] = (_VALUED, _EMPTY) if query.sort in NULLABLE_SORTS else (_VALUED,)
    at = None if keyset is None else (_EMPTY if keyset.value is None else _VALUED)
    if is_backward:
        ranges = tuple(reversed(ranges))
    rows: list[Customer] = []
    for part in ranges:
        if at is not None and (part > at if is_backward else part < at):
            continue  # the cursor lies past this range
        statement = base
        if query.sort in NULLABLE_SORTS:
            statement = statement.where(column.is_(None) if part == _EMPTY else column.isnot(None))
        if keyset is not None and part == at:
            statement = statement.where(
                _beyond(query.sort, keyset, is_descending=is_descending, is_empty=part == _EMPTY)
            )
        by_id_only = part == _EMPTY or query.sort == "id"
        keys = [col(Customer.id)] if by_id_only else [column, col(Customer.id)]
        ordered = [k.desc() if is_descending else k.asc() for k in keys]
        rows.extend(session.exec(statement.order_by(*ordered).limit(wanted - len(rows))).all())
        if len(rows) >= wanted:
            break
    return rows


def _beyond(
    sort: str, keyset: Keyset, *, is_descending: bool, is_empty: bool
) -> ColumnElement[bool]:
    """The condition on rows past `keyset` in the read direction."""
    row_id = col(Customer.id)
    if is_empty or sort == "id":
        if sort == "id" and not is_empty:
            _check_value(sort, keyset.value)
        return row_id < keyset.last_id if is_descending else row_id > keyset.last_id
    key = tuple_(col(SORT_COLUMNS[sort]), row_id)
    value = tuple_(_check_value(sort, keyset.value), keyset.last_id)
    return key < value if is_descending else key > value


def _check_value(sort: str, value: KeyValue) -> Any:
    """A cursor's sort value as its column compares it. Raises InvalidRequestError for one that
    no row could hold (a cursor this list did not write)."""
    try:
        if sort == "updated_at" and isinstance(value, str):
            return datetime.fromisoformat(value)
        if sort == "score" and isinstance(value, int | float):
            score = float(value)
            if math.isfinite(score):
                return score
        if sort == "id" and isinstance(value, int) and is_row_id(value):
            return value
        if sort == "tier" and _is_rank(value):
            return value
        # PostgreSQL cannot compare a text holding NUL
        text_sorts = ("name", "ref")
        if sort in text_sorts and isinstance(value, str) and forms.text_problem(value) is None:
            return value
    except (ValueError, OverflowError) as exc:
        raise InvalidRequestError(N_("the cursor is not one this list gave out")) from exc
    raise InvalidRequestError(N_("the cursor is not one this list gave out"))


def _is_rank(value: KeyValue) -> bool:
    """A tier rank (engine.customer_query.tier_rank): a small integer, never a bool."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _MAX_RANK


def _sort_value(customer: Customer, sort: str) -> KeyValue:
    value = getattr(customer, _ATTRIBUTES.get(sort, sort))
    if isinstance(value, datetime):
        return value.isoformat()
    return value  # type: ignore[no-any-return]


def _cursor(sort: str, row: Customer | None, *, is_before: bool) -> str | None:
    if row is None:
        return None
    assert row.id is not None
    keyset = Keyset(sort=sort, value=_sort_value(row, sort), last_id=row.id, is_before=is_before)
    return encode_keyset(keyset)


def _summary(c: Customer) -> CustomerSummary:
    return CustomerSummary(
        id=c.id or 0,
        ref=c.external_ref,
        name=c.name,
        department=c.department,
        score=number(c.score),
        tier=c.tier,
        assessed_at=c.assessed_at,
        credit_limit=number(c.credit_limit) or 0,
        currency=c.currency,
        order_hold=c.order_hold,
        owner=c.owner,
        updated_at=c.updated_at,
    )


def customer_rows(
    session: Session, query: CustomerQuery, *, scope: Scope, limit: int
) -> list[Customer]:
    """The first `limit` customers within `scope` that `query` filters, in its order (rows, for
    an export that reads their data)."""
    dialect = session.get_bind().dialect.name
    base = where_within(select(Customer), Customer.department, scope)
    base = base.where(*conditions(query, dialect=dialect))
    return _read(session, base, query=query, keyset=None, wanted=limit)
