"""A user's saved customer views: a named customer list (its filters and sort, as the list's
request parameters) to open again. Each user sees, saves and deletes only their own; a save or a
delete writes an audit row in the caller's transaction, as preferences do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlmodel import Session, col, select

import forms
from engine import audit
from engine.customer_query import CustomerQuery, customer_query
from engine.errors import N_, InvalidRequestError, NotFoundError
from engine.models import SavedCustomerView

MAX_NAME: Final = 100
MAX_VIEWS: Final = 50  # per user


@dataclass(frozen=True, slots=True)
class SavedView:
    id: int
    name: str
    query: CustomerQuery
    created_at: datetime

    @property
    def params(self) -> dict[str, str]:
        return self.query.params()


def _view(row: SavedCustomerView) -> SavedView:
    assert row.id is not None
    return SavedView(
        id=row.id,
        name=row.name,
        # stored by save_view from a checked query; read through the same check
        query=customer_query({k: str(v) for k, v in row.params.items()}),
        created_at=row.created_at,
    )


def list_saved_views(session: Session, user_name: str) -> tuple[SavedView, ...]:
    """User `user_name`'s saved views, by name."""
    rows = session.exec(
        select(SavedCustomerView)
        .where(col(SavedCustomerView.user_name) == user_name)
        .order_by(col(SavedCustomerView.name), col(SavedCustomerView.id))
    ).all()
    return tuple(_view(row) for row in rows)


def save_view(
    session: Session, user_name: str, name: str, query: CustomerQuery, *, now: datetime
) -> SavedView:
    """Save `query` as user `user_name`'s view `name` (one of that name already: replaced),
    audited as `customer_view.saved`.

    Raises InvalidRequestError for an empty name, one longer than MAX_NAME or holding control
    characters, or a user who already has MAX_VIEWS views.
    """
    name = name.strip()
    if not name:
        raise InvalidRequestError(N_("a saved view needs a name"))
    if len(name) > MAX_NAME:
        raise InvalidRequestError(N_("a view's name is at most %(max)s characters"), max=MAX_NAME)
    problem = forms.text_problem_of(name)
    if problem is not None:
        raise InvalidRequestError(N_("the view's name %(problem)s"), problem=problem)
    mine = session.exec(
        select(SavedCustomerView).where(col(SavedCustomerView.user_name) == user_name)
    ).all()
    row = next((view for view in mine if view.name == name), None)
    if row is None:
        if len(mine) >= MAX_VIEWS:
            raise InvalidRequestError(
                N_("you have %(max)s saved views already; delete one first"), max=MAX_VIEWS
            )
        row = SavedCustomerView(user_name=user_name, name=name, params={}, created_at=now)
    row.params = query.params()
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=user_name,
        action="customer_view.saved",
        entity_kind="customer_view",
        entity_id=str(row.id),
        detail={"name": name, "params": row.params},
        now=now,
    )
    return _view(row)


def delete_view(session: Session, user_name: str, view_id: int, *, now: datetime) -> None:
    """Delete user `user_name`'s saved view `view_id`, audited as `customer_view.deleted`.

    Raises NotFoundError when they have no such view (another user's is not found either).
    """
    row = session.get(SavedCustomerView, view_id)
    if row is None or row.user_name != user_name:
        raise NotFoundError(N_("you have no saved view %(id)s"), id=view_id)
    session.delete(row)
    audit.record(
        session,
        actor=user_name,
        action="customer_view.deleted",
        entity_kind="customer_view",
        entity_id=str(view_id),
        detail={"name": row.name},
        now=now,
    )
