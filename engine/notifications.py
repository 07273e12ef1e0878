"""In-app notifications (the bell): who is told what, in the caller's transaction, and each
user's inbox of them.

`notify` resolves its recipients from a workflow-like target (`ToRole`, `ToOwner`,
`ToPermission`, a user name or a list of names), skips unknown and disabled users, and copies a
notification for a recipient who delegates at `now` (engine.delegations) to their delegate,
marked `params["for"]`. What a notification says is its kind's sentence (`KINDS`: one message id
per kind, translated by web/ in the reader's language and filled from `params`), or the text a
workflow wrote (`text`, language → text). A user reads and marks only their own notifications:
another's id does not exist for them.

Notifications are a user's own inbox state, not a business change: neither creating nor reading
one writes an audit row (the change that caused it is audited where it happens).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

import forms
import workflows
from engine.access import ADMIN_ROLE, permissions_of_role
from engine.clock import as_utc
from engine.delegations import delegates_of
from engine.errors import N_, NotFoundError
from engine.models import Alert, Case, Customer, RoleGrant, User
from engine.models_casework import Notification
from engine.pagination import clamp_limit, decode_cursor, encode_cursor
from engine.types import json_dumps
from engine.users import role_holders, role_permissions
from engine.views import Page


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of notification: its sentence (a message id with `%(name)s` placeholders) and
    the params that sentence needs."""

    name: str
    message: str
    params: tuple[str, ...]


# The one table of kinds: notify() checks against it, web/ renders it, docs list it.
KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            Kind(
                "assigned",
                N_("Case %(case_id)s of %(customer)s waits for you at step %(step)s"),
                ("case_id", "customer", "step"),
            ),
            Kind(
                "escalated",
                N_("Case %(case_id)s of %(customer)s was escalated to you at step %(step)s"),
                ("case_id", "customer", "step"),
            ),
            Kind(
                "reminder",
                N_("Case %(case_id)s of %(customer)s is due at %(due_at)s"),
                ("case_id", "customer", "due_at"),
            ),
            Kind(
                "critical_alert",
                N_("Critical alert on %(customer)s: %(message)s"),
                ("customer", "message"),
            ),
            Kind(
                "order_held",
                N_("Order %(order_ref)s of %(customer)s is held for a credit decision"),
                ("order_ref", "customer"),
            ),
            Kind(
                "terms_changed",
                N_("The credit terms of %(customer)s changed"),
                ("customer",),
            ),
            Kind(
                "publish_failed",
                N_(
                    "Version v%(version)s of %(kind)s %(key)s is due but could not be "
                    "published: %(reason)s"
                ),
                ("kind", "key", "version", "reason"),
            ),
            # a workflow's own message: its `text` when it has one in the reader's language
            Kind("notify", N_("A message from workflow %(workflow)s"), ("workflow",)),
        )
    }
)
# The sentence around a copy delivered to a delegate: `params["for"]` is the delegator.
ON_BEHALF = N_("%(sentence)s (for %(for)s, who delegates to you)")

# The permission whose holders (by role, for the customer's department) hear of a customer's
# critical alerts, beside its owner: those who may change the customer, so act on what the
# alert says. The built-in admin role holds every permission by construction and is not told.
ALERT_PERMISSION = "customers:write"

MAX_PARAMS_BYTES = 4096
MAX_TEXT_LENGTH = 2000
MAX_RECIPIENTS = 500


# --- recipients --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToRole:
    """Holders of `role` for `department` (None: the customer's department). A grant in no
    department counts everywhere; for a customer in no department only those count."""

    role: str
    department: str | None = None


@dataclass(frozen=True, slots=True)
class ToOwner:
    """The customer's owner (nobody when it has none)."""


@dataclass(frozen=True, slots=True)
class ToPermission:
    """Holders of a role carrying `permission` (under the published template's role map) for
    the customer's department, the built-in admin role left out."""

    permission: str


# Who a notification is for: a role's holders, the customer's owner, the holders of a
# permission, one user name, or several.
Recipients = ToRole | ToOwner | ToPermission | str | Sequence[str]


def recipients_for(assignee: workflows.Assignee) -> Recipients:
    """The recipients a workflow's assignee (a step's, an escalation's, a `notify`'s) names."""
    if assignee.kind == workflows.AssigneeKind.OWNER:
        return ToOwner()
    if assignee.kind == workflows.AssigneeKind.USER:
        assert assignee.user is not None
        return assignee.user
    assert assignee.role is not None
    department = (
        None if assignee.department == workflows.CUSTOMER_DEPARTMENT else assignee.department
    )
    return ToRole(assignee.role, department)


def _permission_roles(session: Session, permission: str) -> list[str]:
    role_map = role_permissions(session)
    granted = session.exec(select(RoleGrant.role).distinct())
    return sorted(
        role
        for role in granted
        if role != ADMIN_ROLE and permission in permissions_of_role(role, role_map)
    )


def resolve_recipients(
    session: Session, recipients: Recipients, *, customer: Customer | None
) -> list[str]:
    """The active users `recipients` names, without repeats, in a stable order (role holders
    by name); unknown and disabled users are left out."""
    department = customer.department if customer is not None else None
    names: list[str]
    if isinstance(recipients, ToRole):
        names = sorted(role_holders(session, recipients.role, recipients.department or department))
    elif isinstance(recipients, ToPermission):
        roles = _permission_roles(session, recipients.permission)
        names = sorted(role_holders(session, roles, department))
    elif isinstance(recipients, ToOwner):
        names = [customer.owner] if customer is not None and customer.owner else []
    elif isinstance(recipients, str):
        names = [recipients]
    else:
        names = list(recipients)
    names = list(dict.fromkeys(n for n in names if n))[:MAX_RECIPIENTS]
    if not names:
        return []
    active = set(
        session.exec(select(User.name).where(col(User.name).in_(names), col(User.is_active)))
    )
    return [n for n in names if n in active]


# --- writing -----------------------------------------------------------------------------------


def _checked_params(kind: Kind, params: Mapping[str, Any]) -> dict[str, Any]:
    missing = [name for name in kind.params if name not in params]
    if missing:
        raise ValueError(f"a '{kind.name}' notification needs the params {missing}")
    stored = json.loads(json_dumps(dict(params)))
    if len(json_dumps(stored).encode()) > MAX_PARAMS_BYTES:
        raise ValueError(f"the params of a notification are over {MAX_PARAMS_BYTES} bytes")
    return dict(stored)


def _checked_text(text: Mapping[str, str] | None) -> dict[str, str] | None:
    if text is None:
        return None
    return {str(language): str(value)[:MAX_TEXT_LENGTH] for language, value in text.items()}


def _is_site_path(link: str) -> bool:
    """Whether `link` is a path on this site ("/cases/7"), never another site's address or a
    script ("//host", "/\\host", "https://...", "javascript:...")."""
    return (
        link.startswith("/")
        and not link.startswith(("//", "/\\"))
        and len(link) <= 500
        and forms.text_problem(link) is None
    )


def _default_link(case: Case | None, customer: Customer | None) -> str | None:
    if case is not None and case.id is not None:
        return f"/cases/{case.id}"
    if customer is not None:
        return f"/customers/{customer.external_ref}"
    return None


def notify(
    session: Session,
    *,
    recipients: Recipients,
    kind: str,
    params: Mapping[str, Any],
    text: Mapping[str, str] | None = None,
    case: Case | None = None,
    customer: Customer | None = None,
    link: str | None = None,
    now: datetime,
) -> list[Notification]:
    """Tell `recipients` that `kind` happened, inside the caller's transaction; returns the
    notifications written (none when nobody active is named).

    `params` fill the kind's sentence; `customer` (the customer's name, else the case's
    workflow), `case_id`, `step` and `due_at` are added from `customer` and `case` when not
    given. `text` (language → text) is a workflow's own
    message. `link` defaults to the case's page, else the customer's. A recipient who delegates
    at `now` gets it, and their delegate a copy with `params["for"]` naming them. Raises
    ValueError for an unknown kind or missing params (a programming error, never the user's).
    """
    found = KINDS.get(kind)
    if found is None:
        raise ValueError(f"unknown notification kind {kind!r}; known: {sorted(KINDS)}")
    if link is not None and not _is_site_path(link):
        raise ValueError(f"a notification links to a page of this site, not {link[:100]!r}")
    if customer is None and case is not None and case.customer_id is not None:
        customer = session.get(Customer, case.customer_id)
    filled = dict(params)
    if customer is not None:
        filled.setdefault("customer", customer.name or customer.external_ref)
    if case is not None and case.id is not None:
        filled.setdefault("case_id", case.id)
        filled.setdefault("step", case.step)
        # a case about no customer (a ruleset change) is named by its workflow
        filled.setdefault("customer", case.workflow_key)
        if case.due_at is not None:
            filled.setdefault("due_at", as_utc(case.due_at).strftime("%Y-%m-%d %H:%M UTC"))
    stored = _checked_params(found, filled)
    stored_text = _checked_text(text)
    names = resolve_recipients(session, recipients, customer=customer)
    deliveries: list[tuple[str, str | None]] = [(name, None) for name in names]
    direct = set(names)
    delegates = delegates_of(session, names, now)
    if delegates:
        active = set(
            session.exec(
                select(User.name).where(
                    col(User.name).in_(sorted(set(delegates.values()))), col(User.is_active)
                )
            )
        )
        for name in names:
            delegate = delegates.get(name)
            if delegate is not None and delegate in active and delegate not in direct:
                deliveries.append((delegate, name))
    written: list[Notification] = []
    for recipient, on_behalf_of in deliveries:
        row = Notification(
            recipient=recipient,
            kind=kind,
            params=stored if on_behalf_of is None else {**stored, "for": on_behalf_of},
            text=stored_text,
            case_id=case.id if case is not None else None,
            customer_ref=customer.external_ref if customer is not None else None,
            department=customer.department if customer is not None else None,
            link=link or _default_link(case, customer),
            created_at=now,
        )
        session.add(row)
        written.append(row)
    if written:
        session.flush()
    return written


def notify_critical_alert(
    session: Session, customer: Customer, alert: Alert, *, now: datetime
) -> list[Notification]:
    """Tell the customer's owner and the holders of ALERT_PERMISSION for its department of a
    critical alert just raised (engine.evaluation)."""
    names = resolve_recipients(session, ToOwner(), customer=customer)
    names += resolve_recipients(session, ToPermission(ALERT_PERMISSION), customer=customer)
    return notify(
        session,
        recipients=list(dict.fromkeys(names)),
        kind="critical_alert",
        params={"message": alert.message, "rule": alert.rule},
        customer=customer,
        now=now,
    )


# --- reading and marking -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotificationView:
    """One notification as its recipient sees it: `message` is its kind's sentence (a message
    id) to fill with `params`; `text`, when set, is a workflow's own words per language."""

    id: int
    kind: str
    message: str
    params: Mapping[str, Any]
    text: Mapping[str, str] | None
    case_id: int | None
    customer_ref: str | None
    link: str | None
    created_at: datetime
    read_at: datetime | None

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def on_behalf_of(self) -> str | None:
        value = self.params.get("for")
        return str(value) if value is not None else None


def _view(row: Notification) -> NotificationView:
    assert row.id is not None
    kind = KINDS.get(row.kind)
    return NotificationView(
        id=row.id,
        kind=row.kind,
        message=kind.message if kind is not None else row.kind,
        params=MappingProxyType(dict(row.params)),
        text=MappingProxyType(dict(row.text)) if row.text else None,
        case_id=row.case_id,
        customer_ref=row.customer_ref,
        link=row.link,
        created_at=as_utc(row.created_at),
        read_at=as_utc(row.read_at) if row.read_at is not None else None,
    )


def unread_count(session: Session, user: str) -> int:
    """How many of `user`'s notifications are unread."""
    count = session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.recipient == user, col(Notification.read_at).is_(None))
    ).one()
    return int(count)


def list_notifications(
    session: Session,
    user: str,
    *,
    read: bool | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[NotificationView]:
    """`user`'s notifications, the newest first, a page at a time; `read=False` keeps the
    unread ones, `read=True` the read ones. Raises InvalidRequestError for a foreign cursor or
    a limit below 1."""
    size = clamp_limit(limit)
    query = select(Notification).where(Notification.recipient == user)
    if read is not None:
        read_at = col(Notification.read_at)
        query = query.where(read_at.is_not(None) if read else read_at.is_(None))
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(col(Notification.id) < after)
    rows = session.exec(query.order_by(col(Notification.id).desc()).limit(size + 1)).all()
    items = tuple(_view(row) for row in rows[:size])
    next_cursor = encode_cursor(items[-1].id) if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor)


def mark_read(
    session: Session, user: str, notification_id: int, *, now: datetime
) -> NotificationView:
    """Mark `user`'s notification `notification_id` read (again: unchanged); returns it.
    Raises NotFoundError when it is not theirs or does not exist."""
    row = session.exec(
        select(Notification).where(
            col(Notification.id) == notification_id, Notification.recipient == user
        )
    ).first()
    if row is None:
        raise NotFoundError(N_("there is no notification %(id)s"), id=notification_id)
    if row.read_at is None:
        row.read_at = now
        session.add(row)
        session.flush()
    return _view(row)


def mark_all_read(session: Session, user: str, *, now: datetime) -> int:
    """Mark every unread notification of `user` read; returns how many were unread."""
    result = session.execute(
        update(Notification)
        .where(col(Notification.recipient) == user, col(Notification.read_at).is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
