"""The inbox (docs/workflows.md, "The inbox"): the cases a user may act on, those in their
departments waiting on others, and the closed ones, each with what a decider needs at a glance:
the customer's tier and score, why the case exists, and whether its deadline has passed.

Open cases come oldest deadline first (cases without a deadline last, then by age); closed ones
newest first. Pages are keyset: a cursor names the last case of the page before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import case as sql_case
from sqlmodel import Session, col, select

from engine.access import Access
from engine.case_history import trigger_reasons
from engine.case_page_views import TriggerReason
from engine.cases import _visible, actionable, case_summaries
from engine.errors import N_, InvalidRequestError, NotFoundError
from engine.models import Case, CaseStatus, Customer
from engine.pagination import clamp_limit, decode_cursor, encode_cursor
from engine.scoping import Scope
from engine.spec_changes import may_publish
from engine.types import is_row_id
from engine.views import CaseSummary, Page, number

# The inbox's tabs: what I may act on, open cases in my scope assigned to others, closed ones.
INBOX_TABS = ("mine", "waiting", "done")


@dataclass(frozen=True, slots=True)
class InboxItem(CaseSummary):
    """A case as the inbox lists it: its summary, the customer's current tier and score, the
    reasons the case exists (in words), and whether its deadline has passed."""

    customer_tier: str | None = None
    customer_score: int | float | None = None
    reasons: tuple[TriggerReason, ...] = ()
    is_overdue: bool = False


def _no_tab(tab: str) -> InvalidRequestError:
    return InvalidRequestError(
        N_("the inbox has the tabs mine, waiting and done, not '%(tab)s'"), tab=tab
    )


def list_inbox(
    session: Session,
    tab: str,
    *,
    access: Access,
    scope: Scope,
    actor: str | None = None,
    now: datetime | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[InboxItem]:
    """One tab of the inbox (INBOX_TABS) for `actor` holding `access`: `mine`, the open cases
    they may act on (by role, or assigned to them by name, or so for a user they stand in for
    at `now`, engine.delegations); `waiting`, the other open cases within `scope`; both oldest
    deadline first; `done`, the closed cases within `scope`, newest first. Cases about no
    customer (ruleset_change) only for those who may publish. `now` also decides which are
    overdue.

    Raises InvalidRequestError for another tab, a foreign cursor or a limit below 1.
    """
    if tab not in INBOX_TABS:
        raise _no_tab(tab)
    size = clamp_limit(limit)
    query = select(Case).outerjoin(Customer, col(Customer.id) == col(Case.customer_id))
    visible = _visible(scope, spec_changes=may_publish(access))
    after = decode_cursor(cursor)
    if tab == "done":
        query = query.where(visible, Case.status == CaseStatus.CLOSED)
        if after is not None:
            query = query.where(col(Case.id) < after)
        query = query.order_by(col(Case.id).desc())
    else:
        # CASE rather than NOT: a NULL (no assigned user, no department) makes NOT(...) NULL
        mine = sql_case(
            (actionable(session, access, actor=actor, now=now, visible=visible), 1), else_=0
        )
        query = query.where(Case.status == CaseStatus.OPEN, mine == (1 if tab == "mine" else 0))
        if tab == "waiting":
            query = query.where(visible)
        if after is not None:
            query = query.where(_after(session, after))
        due = col(Case.due_at)
        query = query.order_by(due.is_(None), due, col(Case.id))
    rows = session.exec(query.limit(size + 1)).all()
    page = rows[:size]
    items = _items(session, page, now)
    next_cursor = encode_cursor(items[-1].id) if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor)


def _after(session: Session, case_id: int) -> Any:
    """Open cases after case `case_id` in deadline order (no deadline last, then by id)."""
    last = session.get(Case, case_id) if is_row_id(case_id) else None
    if last is None:
        raise InvalidRequestError(N_("the cursor is not one this list gave out"))
    due, key = col(Case.due_at), col(Case.id)
    if last.due_at is None:
        return sa.and_(due.is_(None), key > case_id)
    later = sa.or_(due > last.due_at, sa.and_(due == last.due_at, key > case_id))
    return sa.or_(due.is_(None), sa.and_(due.is_not(None), later))


def inbox_item(session: Session, case_id: int, *, now: datetime | None) -> InboxItem:
    """Case `case_id` as the inbox lists it (the caller has checked it may see it)."""
    case = session.get(Case, case_id) if is_row_id(case_id) else None
    if case is None:
        raise NotFoundError(N_("there is no case %(id)s"), id=case_id)
    return _items(session, [case], now)[0]


def _items(
    session: Session, cases: Sequence[Case], now: datetime | None
) -> tuple[InboxItem, ...]:
    summaries = case_summaries(session, cases)
    wanted = {c.customer_id for c in cases if c.customer_id is not None}
    standing = {
        cid: (tier, score)
        for cid, tier, score in session.execute(
            sa.select(col(Customer.id), col(Customer.tier), col(Customer.score)).where(
                col(Customer.id).in_(wanted)
            )
        ).all()
    }
    return tuple(
        _item(summary, case, standing.get(case.customer_id or -1), now)
        for summary, case in zip(summaries, cases, strict=True)
    )


def _item(
    summary: CaseSummary, case: Case, standing: tuple[Any, Any] | None, now: datetime | None
) -> InboxItem:
    tier, score = standing if standing is not None else (None, None)
    due = summary.due_at
    return InboxItem(
        **{f.name: getattr(summary, f.name) for f in fields(CaseSummary)},
        customer_tier=tier,
        customer_score=number(score),
        reasons=trigger_reasons(case),
        is_overdue=bool(
            summary.status == CaseStatus.OPEN and due is not None and now is not None and due < now
        ),
    )


__all__ = ["INBOX_TABS", "InboxItem", "inbox_item", "list_inbox"]
