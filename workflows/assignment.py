"""Who a step is assigned to, and who may act on it. Pure: no I/O, no clock.

A role assignee names holders of a role (for the customer's department, or a named one); a user
assignee one user; an owner assignee the customer's owner, or `admin` when the customer has none.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from workflows.model import CUSTOMER_DEPARTMENT, Assignee, AssigneeKind
from workflows.state import CaseState
from workflows.transitions import OWNER_FALLBACK_ROLE, Env


@dataclass(frozen=True, slots=True)
class Assignment:
    """Holders of `role` (for `department`; None: the customer's) or, when set, `user` alone."""

    role: str | None = None
    department: str | None = None
    user: str | None = None

    @classmethod
    def of(cls, state: CaseState) -> Assignment:
        return cls(state.assigned_role, state.assigned_department, state.assigned_user)

    @property
    def is_someone(self) -> bool:
        return self.role is not None or self.user is not None


def resolve(assignee: Assignee, env: Env) -> Assignment:
    """Whom `assignee` names for this customer."""
    if assignee.kind is AssigneeKind.USER:
        return Assignment(user=assignee.user)
    if assignee.kind is AssigneeKind.OWNER:
        if env.owner is not None:
            return Assignment(user=env.owner)
        return Assignment(role=OWNER_FALLBACK_ROLE)
    department = None if assignee.department == CUSTOMER_DEPARTMENT else assignee.department
    return Assignment(role=assignee.role, department=department)


def may_act(state: CaseState, actor: str | None, roles: Collection[str]) -> bool:
    """Whether `actor`, holding `roles` (for the case's department), may act on the step: the
    assigned user when there is one, otherwise a holder of the assigned role."""
    if state.assigned_user is not None:
        return actor is not None and actor == state.assigned_user
    return state.assigned_role is not None and state.assigned_role in roles
