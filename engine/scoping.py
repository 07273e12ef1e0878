"""Department scope: what a caller whose grants name departments may see and touch.

A scope is `None` (everywhere: a global grant) or the set of departments where the caller holds
the permission in question (engine.access.Access.departments_for). Outside its scope a thing does
not exist for the caller: NotFoundError, never PermissionDeniedError, so a scoped user learns
nothing of other departments' customers, cases or events.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import false
from sqlmodel import col
from sqlmodel.sql.expression import SelectOfScalar

from engine.errors import NotFoundError

# None: every department (and customers in none); else only these departments.
Scope = frozenset[str] | None

Q = TypeVar("Q", bound=SelectOfScalar[Any])


def is_within(department: str | None, scope: Scope) -> bool:
    """Whether a thing of `department` lies in `scope` (one in no department needs a global
    grant)."""
    return scope is None or (department is not None and department in scope)


def ensure_within(department: str | None, scope: Scope, *, missing: NotFoundError) -> None:
    """Raise `missing` (the refusal of a thing that is not there) when `department` lies outside
    `scope`."""
    if not is_within(department, scope):
        raise missing


def where_within(query: Q, department_column: Any, scope: Scope) -> Q:
    """`query` limited to rows whose `department_column` lies in `scope`."""
    if scope is None:
        return query
    if not scope:
        return query.where(false())
    return query.where(col(department_column).in_(sorted(scope)))
