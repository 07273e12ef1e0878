"""Saved customer views: a user's named customer lists (engine.saved_views), their own only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from engine.customer_query import customer_query
from engine.saved_views import SavedView, delete_view, list_saved_views, save_view
from engine.types import MAX_ROW_ID
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, NowDep, Reader
from web.schemas import CustomerViewCreate, CustomerViewPublic

router = APIRouter(tags=["customers"], route_class=StrictJSONRoute)

ViewId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def _public(view: SavedView) -> CustomerViewPublic:
    return CustomerViewPublic(
        id=view.id, name=view.name, params=view.params, created_at=view.created_at
    )


@router.get("/customer-views", response_model=list[CustomerViewPublic])
def get_customer_views(user: Reader, database: DbDep) -> list[CustomerViewPublic]:
    """Your saved customer views, by name."""
    with database.transaction() as session:
        views = list_saved_views(session, user.name)
    return [_public(v) for v in views]


@router.post("/customer-views", status_code=201, response_model=CustomerViewPublic)
def post_customer_view(
    body: CustomerViewCreate, user: Reader, database: DbDep, now: NowDep
) -> CustomerViewPublic:
    """Save the list parameters `params` as your view `name` (one of that name: replaced);
    the parameters are checked as `GET /api/v1/customers` checks them (422)."""
    query = customer_query(body.params)
    with database.transaction() as session:
        view = save_view(session, user.name, body.name, query, now=now)
    return _public(view)


@router.delete("/customer-views/{view_id}", status_code=204)
def delete_customer_view(view_id: ViewId, user: Reader, database: DbDep, now: NowDep) -> None:
    """Delete your saved view (another user's is not found: 404)."""
    with database.transaction() as session:
        delete_view(session, user.name, view_id, now=now)
