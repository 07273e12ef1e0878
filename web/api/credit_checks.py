"""Order credit checks: check an order before it ships, read a check, close an open order
(docs/credit-checks.md). Held orders are released or rejected from their order_held case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response

from engine.credit_checks import check_order
from engine.credit_decisions import close_check, get_check
from engine.errors import N_, PermissionDeniedError
from engine.scoping import Scope
from engine.types import MAX_ROW_ID
from engine.users import UserView
from web.api.json_body import StrictJSONRoute
from web.deps import CurrentUser, DbDep, NowDep, OrderChecker, SettingsDep
from web.schemas_credit_checks import CreditCheckClose, CreditCheckCreate, CreditCheckPublic

router = APIRouter(tags=["credit-checks"], route_class=StrictJSONRoute)

PERMISSION = "orders:check"
Ref = Annotated[str, Path(min_length=1, max_length=200, description="the customer's reference")]
CheckId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="the credit check's id")]


def _reading_scope(user: UserView) -> Scope:
    """Where `user` may read checks: with orders:check, or as a case actor (who decides held
    orders), in the departments where they hold either."""
    scopes = [user.access.departments_for(p) for p in (PERMISSION, "cases:act")]
    if not any(user.access.can_anywhere(p) for p in (PERMISSION, "cases:act")):
        raise PermissionDeniedError(
            N_("this needs the permission %(permission)s"), permission=PERMISSION
        )
    if any(scope is None for scope in scopes):
        return None
    return frozenset().union(*(s for s in scopes if s is not None))


@router.post(
    "/customers/{ref}/credit-checks",
    status_code=201,
    response_model=CreditCheckPublic,
    responses={200: {"model": CreditCheckPublic, "description": "The order was checked before"}},
)
def post_credit_check(
    ref: Ref,
    body: CreditCheckCreate,
    response: Response,
    user: OrderChecker,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
    ] = None,
) -> CreditCheckPublic:
    """Check an order against the customer's credit: pass, warn or hold (201). The same
    `order_ref` again returns the stored check unchanged (200); with another customer, amount
    or currency it is a 409. A hold opens the template's order_held case."""
    with database.transaction() as session:
        view = check_order(
            session,
            customer=ref,
            order_ref=body.order_ref,
            amount=body.amount,
            currency=body.currency,
            actor=user.name,
            now=now,
            tz=settings.tz,
            scope=user.access.departments_for(PERMISSION),
            idempotency_key=idempotency_key,
        )
    response.status_code = 201 if view.created else 200
    return CreditCheckPublic.of(view)


@router.get("/credit-checks/{check_id}", response_model=CreditCheckPublic)
def get_credit_check(check_id: CheckId, user: CurrentUser, database: DbDep) -> CreditCheckPublic:
    """A check as it stands now: its decision, and whether the order is open, held, released,
    rejected or closed (for orders:check, and for case actors)."""
    scope = _reading_scope(user)
    with database.transaction() as session:
        view = get_check(session, check_id, scope=scope)
    return CreditCheckPublic.of(view)


@router.post("/credit-checks/{check_id}/close", response_model=CreditCheckPublic)
def post_close(
    check_id: CheckId, body: CreditCheckClose, user: OrderChecker, database: DbDep, now: NowDep
) -> CreditCheckPublic:
    """The order was invoiced or cancelled: it no longer counts as open. Repeating it with the
    same reason returns the closed check; a held or rejected order is a 409."""
    with database.transaction() as session:
        view = close_check(
            session,
            check_id,
            body.reason,
            actor=user.name,
            now=now,
            scope=user.access.departments_for(PERMISSION),
        )
    return CreditCheckPublic.of(view)
