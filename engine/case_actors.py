"""Who acts on a case, with which roles: the caller themselves, or the caller as the delegate of
a user whose step it is (engine.delegations).

A step is for holders of a role in a department (the one the step names, else the customer's)
or for one user. The caller acts with their own roles when those let them act; otherwise, when a
user they stand in for now could act, with that user's roles and `on_behalf_of` set, which the
history records and four eyes checks (workflows.approvals).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

import workflows
from engine import casework, spec_changes
from engine.access import Access
from engine.delegations import active_delegators
from engine.models import Case, Customer, User
from engine.users import user_view


@dataclass(frozen=True, slots=True)
class Acting:
    """The roles the caller acts with on one case, and whom for (None: themselves)."""

    roles: tuple[str, ...]
    on_behalf_of: str | None = None


def case_department(case: Case, customer: Customer | None) -> str | None:
    """The department whose role holders the case's step is for: the one the step names, else
    the customer's."""
    if case.assigned_department is not None:
        return case.assigned_department
    return customer.department if customer is not None else None


def case_roles(
    access: Access | None, roles: Iterable[str], case: Case, customer: Customer | None
) -> tuple[str, ...]:
    """The roles the caller acts with on `case` of `customer`: those `access` holds for the
    case's department (case_department), where it may act there; else `roles` as given. On a
    case about no customer: the publisher's role when `access` may publish
    (engine.spec_changes)."""
    if access is None:
        return tuple(roles)
    if customer is None:
        return spec_changes.roles_for(access)
    department = case_department(case, customer)
    if not access.can("cases:act", department):
        return ()
    return tuple(sorted(access.roles_in(department)))


def delegators_access(
    session: Session, delegate: str, now: datetime
) -> tuple[tuple[str, Access], ...]:
    """The active users `delegate` stands in for at `now`, each with their access."""
    names = active_delegators(session, delegate, now)
    if not names:
        return ()
    users = session.exec(
        select(User).where(col(User.name).in_(names), col(User.is_active).is_(True))
    ).all()
    return tuple((user.name, user_view(session, user).access) for user in users)


def acting(
    session: Session,
    case: Case,
    customer: Customer | None,
    *,
    actor: str | None,
    access: Access | None,
    roles: Iterable[str] = (),
    now: datetime | None,
) -> Acting:
    """How `actor` acts on the open or closed `case`: with their own roles when those let them
    act on its step (or `now` is None: no delegation considered), else as the delegate of the
    first user they stand in for who could."""
    own = case_roles(access, roles, case, customer)
    state = casework.case_state(case)
    if (
        actor is None
        or now is None
        or customer is None
        or not state.is_open
        or workflows.may_act(state, actor, own)
    ):
        return Acting(own)
    for name, delegator in delegators_access(session, actor, now):
        theirs = case_roles(delegator, (), case, customer)
        if workflows.may_act(state, name, theirs):
            return Acting(theirs, on_behalf_of=name)
    return Acting(own)
