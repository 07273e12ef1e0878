"""Users, their roles, passwords and API tokens: who may sign in or call the API, and as what.

Roles are free names (`admin` is built in); a grant may name a department, created on first use.
Passwords are stored as argon2 hashes. Every change (user added, role granted or revoked, user
disabled) writes an audit row in the caller's transaction. API tokens are in engine.tokens,
sign-in and sessions in engine.logins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

import forms
from engine import audit
from engine.access import ADMIN_ROLE, Access, Grant, access_of
from engine.errors import N_, ConflictError, InvalidRequestError, NotFoundError
from engine.models import Department, RoleGrant, User
from engine.specs import latest_template_row

MAX_NAME_LENGTH = 100

_HASHER = PasswordHasher()


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as callers see it: never the password hash."""

    id: int
    name: str
    display_name: str | None
    is_active: bool
    roles: frozenset[str]
    departments: frozenset[str]  # the departments named by the user's role grants
    access: Access  # what the grants allow where (engine.access)

    @property
    def is_admin(self) -> bool:
        return ADMIN_ROLE in self.roles

    def can(self, permission: str, department: str | None = None) -> bool:
        """Whether the user holds `permission` for a thing in `department` (engine.access)."""
        return self.access.can(permission, department)


# --- passwords and token secrets ---------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2 hash of `password` (salted; each call gives a different text)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches `password_hash`; False for a user without a password."""
    if not password_hash:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# --- reading -----------------------------------------------------------------------------------


# what a name names → its refusals when empty and when too long (message ids, engine.errors)
_NAME_REFUSALS = {
    "user": (
        N_("a user name may not be empty"),
        N_("a user name has at most %(max)d characters"),
    ),
    "role": (
        N_("a role name may not be empty"),
        N_("a role name has at most %(max)d characters"),
    ),
    "department": (
        N_("a department name may not be empty"),
        N_("a department name has at most %(max)d characters"),
    ),
}


def _check_name(value: str, what: str) -> str:
    empty, too_long = _NAME_REFUSALS[what]
    value = value.strip()
    if not value:
        raise InvalidRequestError(empty)
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidRequestError(too_long, max=MAX_NAME_LENGTH)
    if forms.text_problem(value) is not None:
        raise InvalidRequestError(N_("a name may not hold control characters"))
    return value


def _find_user(session: Session, name: str) -> User:
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFoundError(N_("there is no user '%(name)s'"), name=name)
    return user


def _grants(session: Session, user_id: int) -> list[RoleGrant]:
    return list(
        session.exec(
            select(RoleGrant).where(RoleGrant.user_id == user_id).order_by(col(RoleGrant.id))
        )
    )


def _find_grant(
    session: Session, user: User, role: str, department: str | None
) -> RoleGrant | None:
    """The grant of `role` to `user` in `department` (None: the global one), if any."""
    in_department = (
        RoleGrant.department == department
        if department is not None
        else col(RoleGrant.department).is_(None)
    )
    return session.exec(
        select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == role, in_department)
    ).first()


def role_permissions(session: Session) -> Mapping[str, tuple[str, ...]]:
    """The role → permissions map of the published template (empty before any import)."""
    template = latest_template_row(session)
    mapped = (template.meta.get("permissions") if template is not None else None) or {}
    return {str(role): tuple(names) for role, names in mapped.items()}


def user_view(session: Session, user: User) -> UserView:
    """The view of row `user`, with its access under the published template's role map."""
    assert user.id is not None
    return _view(user, _grants(session, user.id), role_permissions(session))


def _view(
    user: User, grants: list[RoleGrant], permissions: Mapping[str, tuple[str, ...]]
) -> UserView:
    assert user.id is not None
    access = access_of((Grant(g.role, g.department) for g in grants), permissions)
    return UserView(
        id=user.id,
        name=user.name,
        display_name=user.display_name,
        is_active=user.is_active,
        roles=frozenset(g.role for g in grants),
        departments=frozenset(g.department for g in grants if g.department),
        access=access,
    )


def roles_of(session: Session, user: str | User) -> frozenset[str]:
    """The role names `user` (a name or a row) holds, in any department. Raises NotFoundError."""
    row = _find_user(session, user) if isinstance(user, str) else user
    assert row.id is not None
    return frozenset(g.role for g in _grants(session, row.id))


def get_user(session: Session, name: str) -> UserView | None:
    """User `name` when it exists and is active; None otherwise (a session names a gone user)."""
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None or not user.is_active:
        return None
    return user_view(session, user)


def list_users(session: Session) -> tuple[UserView, ...]:
    """Every user, in name order (three queries, however many users)."""
    users = list(session.exec(select(User).order_by(col(User.name))))
    grants: dict[int, list[RoleGrant]] = {}
    for grant in session.exec(select(RoleGrant).order_by(col(RoleGrant.id))):
        grants.setdefault(grant.user_id, []).append(grant)
    permissions = role_permissions(session)
    return tuple(_view(user, grants.get(user.id or 0, []), permissions) for user in users)


# --- writing -----------------------------------------------------------------------------------


def ensure_department(session: Session, name: str | None, *, now: datetime) -> None:
    """Create department `name` on first use (DESIGN.md, "Shared vocabulary")."""
    if name and session.exec(select(Department.id).where(Department.name == name)).first() is None:
        session.add(Department(name=name, created_at=now))
        session.flush()


def grant_role(
    session: Session,
    user_name: str,
    role: str,
    *,
    department: str | None = None,
    actor: str | None,
    now: datetime,
) -> bool:
    """Grant `role` (optionally in `department`, created on first use) to user `user_name`.

    Returns False when the user already held that grant (nothing written). Raises NotFoundError
    (no such user), InvalidRequestError (an empty or too long name).
    """
    role = _check_name(role, "role")
    department = _check_name(department, "department") if department else None
    user = _find_user(session, user_name)
    assert user.id is not None
    if _find_grant(session, user, role, department) is not None:
        return False
    ensure_department(session, department, now=now)
    session.add(RoleGrant(user_id=user.id, role=role, department=department))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="role.granted",
        entity_kind="user",
        entity_id=user.name,
        detail={"role": role, "department": department},
        now=now,
    )
    return True


def add_user(
    session: Session,
    name: str,
    *,
    roles: Iterable[str] = (),
    department: str | None = None,
    password: str | None = None,
    display_name: str | None = None,
    actor: str | None = None,
    now: datetime,
) -> UserView:
    """Create user `name` holding `roles` (in `department` when given), with an optional password.

    Works before any template is imported: roles are free names. Returns the new user. Raises
    ConflictError (the name is taken), InvalidRequestError (an empty name or role).
    """
    name = _check_name(name, "user")
    if session.exec(select(User.id).where(User.name == name)).first() is not None:
        raise ConflictError(N_("there is already a user '%(name)s'"), name=name)
    if password is not None and not password:
        raise InvalidRequestError(N_("a password may not be empty"))
    user = User(
        name=name,
        display_name=display_name,
        password_hash=hash_password(password) if password else None,
        created_at=now,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.created",
        entity_kind="user",
        entity_id=name,
        detail={"has_password": password is not None},
        now=now,
    )
    for role in dict.fromkeys(roles):
        grant_role(session, name, role, department=department, actor=actor, now=now)
    if department and not roles:
        ensure_department(session, _check_name(department, "department"), now=now)
    return user_view(session, user)


def set_password(
    session: Session, user_name: str, password: str, *, actor: str | None, now: datetime
) -> None:
    """Replace the password of `user_name`. Raises NotFoundError, InvalidRequestError."""
    if not password:
        raise InvalidRequestError(N_("a password may not be empty"))
    user = _find_user(session, user_name)
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    session.add(user)
    audit.record(
        session,
        actor=actor,
        action="user.password_set",
        entity_kind="user",
        entity_id=user.name,
        detail={},
        now=now,
    )


def revoke_role(
    session: Session,
    user_name: str,
    role: str,
    *,
    department: str | None = None,
    actor: str | None,
    now: datetime,
) -> bool:
    """Take back the grant of `role` (in `department`, or the global one) from `user_name`.

    Returns False when the user held no such grant. Raises NotFoundError (no such user)."""
    user = _find_user(session, user_name)
    grant = _find_grant(session, user, role, department)
    if grant is None:
        return False
    session.delete(grant)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="role.revoked",
        entity_kind="user",
        entity_id=user.name,
        detail={"role": role, "department": department},
        now=now,
    )
    return True


def set_active(
    session: Session, user_name: str, is_active: bool, *, actor: str | None, now: datetime
) -> bool:
    """Enable or disable `user_name`; a disabled user can neither sign in nor use a token (their
    sessions and tokens stop working at once). Returns False when nothing changed. Raises
    NotFoundError, InvalidRequestError (disabling oneself)."""
    user = _find_user(session, user_name)
    if user.is_active == is_active:
        return False
    if not is_active and actor == user.name:
        raise InvalidRequestError(N_("you cannot disable your own account"))
    user.is_active = is_active
    session.add(user)
    audit.record(
        session,
        actor=actor,
        action="user.enabled" if is_active else "user.disabled",
        entity_kind="user",
        entity_id=user.name,
        detail={},
        now=now,
    )
    return True


def list_departments(session: Session) -> tuple[str, ...]:
    """Every department's name, in name order."""
    return tuple(session.exec(select(Department.name).order_by(col(Department.name))).all())


def find_user_row(session: Session, name: str) -> User:
    """The row of user `name`. Raises NotFoundError."""
    return _find_user(session, name)


def role_holders(
    session: Session, roles: str | Iterable[str] | None, department: str | None
) -> frozenset[str]:
    """The active users who hold one of `roles` for `department` (a grant there, or one
    everywhere); for `department` None, only grants everywhere count."""
    wanted = {roles} if isinstance(roles, str) else set(roles or ())
    if not wanted:
        return frozenset()
    where_department: ColumnElement[bool] = col(RoleGrant.department).is_(None)
    if department is not None:
        where_department = or_(where_department, col(RoleGrant.department) == department)
    query = (
        select(User.name)
        .join(RoleGrant, col(RoleGrant.user_id) == col(User.id))
        .where(
            col(RoleGrant.role).in_(sorted(wanted)), where_department, col(User.is_active).is_(True)
        )
        .distinct()
    )
    return frozenset(session.exec(query))
