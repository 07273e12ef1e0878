"""Permissions, the roles that carry them, and what a user may do where. Pure: no I/O.

A user holds roles through grants, each global or in one department. A template maps each of its
roles to permissions (`permissions:` in template.yaml); roles it does not map take the documented
defaults of `DEFAULT_ROLE_PERMISSIONS`, and `admin` always holds every permission. A grant in a
department gives its permissions only for that department's customers (and their events,
assessments, cases and audit rows); a global grant gives them everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

ADMIN_ROLE = "admin"


@dataclass(frozen=True, slots=True)
class Permission:
    """One permission: its name (as in the API and template.yaml) and what it allows."""

    name: str
    en: str
    zh: str


# The one table of permissions: the checker, the token scopes, the docs and the pages read it.
PERMISSIONS: tuple[Permission, ...] = (
    Permission(
        "customers:read",
        "see customers, their events, assessments and cases",
        "查看客户及其事件、评估和案件",
    ),
    Permission("customers:write", "create and update customers", "创建和修改客户"),
    Permission("events:write", "record events about customers", "记录客户事件"),
    Permission(
        "cases:act",
        "take the actions of a case step assigned to one's role",
        "处理分派给本角色的案件步骤",
    ),
    Permission(
        "cases:start",
        "start a review workflow for a customer by hand",
        "为客户手动发起复核流程",
    ),
    Permission(
        "specs:edit", "edit draft forms, rulesets and workflows", "编辑表单、规则集和流程草稿"
    ),
    Permission("specs:publish", "publish definitions", "发布定义"),
    Permission("templates:import", "import template bundles", "导入模板包"),
    Permission(
        "users:admin", "manage users, grants and other users' tokens", "管理用户、授权和他人的令牌"
    ),
    Permission("audit:read", "read and verify the audit trail", "查看并校验审计日志"),
    Permission("view_sensitive", "see sensitive field values unmasked", "查看未脱敏的敏感字段"),
    Permission("fx:write", "set exchange rates", "设置汇率"),
    Permission(
        "system:sweep",
        "run the timer sweep on demand, and list the template schedules it fires",
        "手动运行定时任务，并查看模板的定时计划",
    ),
    Permission("portfolio:rescore", "rescore the whole portfolio", "对全部客户重新评分"),
    Permission(
        "alerts:acknowledge",
        "acknowledge the alerts of customers, saying what is done about them",
        "确认客户的预警，并说明处理情况",
    ),
    Permission(
        "orders:check",
        "check orders against customers' credit, read and close the checks",
        "对订单做信用检查，查看并关闭检查记录",
    ),
)
PERMISSION_NAMES: frozenset[str] = frozenset(p.name for p in PERMISSIONS)

_READ_ACT = ("customers:read", "cases:act", "alerts:acknowledge")
# Documented defaults (docs/security.md) for roles a template does not map itself.
DEFAULT_ROLE_PERMISSIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "sales": (*_READ_ACT, "events:write", "orders:check"),
        "sales_manager": (
            *_READ_ACT,
            "customers:write",
            "events:write",
            "cases:start",
            "orders:check",
        ),
        "department_head": (
            *_READ_ACT,
            "customers:write",
            "events:write",
            "view_sensitive",
            "cases:start",
        ),
        "finance_head": (
            *_READ_ACT,
            "events:write",
            "view_sensitive",
            "fx:write",
            "cases:start",
            "orders:check",
        ),
        "legal": (*_READ_ACT, "events:write"),
        "cfo": (
            *_READ_ACT,
            "cases:start",
            "view_sensitive",
            "audit:read",
            "specs:publish",
            "portfolio:rescore",
            "orders:check",
        ),
        "risk_analyst": (*_READ_ACT, "specs:edit"),
        "auditor": ("customers:read", "audit:read"),
        "integration": ("customers:read", "customers:write", "events:write", "orders:check"),
    }
)
# Any other role a template names but does not map.
FALLBACK_PERMISSIONS: tuple[str, ...] = _READ_ACT


def permissions_of_role(role: str, role_map: Mapping[str, Iterable[str]]) -> frozenset[str]:
    """The permissions `role` carries under the template's `role_map` (then the defaults)."""
    if role == ADMIN_ROLE:
        return PERMISSION_NAMES
    if role in role_map:
        return frozenset(role_map[role])
    return frozenset(DEFAULT_ROLE_PERMISSIONS.get(role, FALLBACK_PERMISSIONS))


@dataclass(frozen=True, slots=True)
class Grant:
    role: str
    department: str | None  # None: everywhere


@dataclass(frozen=True, slots=True)
class Access:
    """What one caller may do: permissions held everywhere, and those held per department.

    `scope` (from an API token) limits every permission to that subset; None means no limit.
    """

    everywhere: frozenset[str]
    by_department: Mapping[str, frozenset[str]]
    roles_everywhere: frozenset[str]
    roles_by_department: Mapping[str, frozenset[str]]

    def can(self, permission: str, department: str | None = None) -> bool:
        """Whether the caller holds `permission` for a thing in `department` (None: a thing
        outside any department, which needs the permission everywhere)."""
        if permission in self.everywhere:
            return True
        return department is not None and permission in self.by_department.get(
            department, frozenset()
        )

    def can_anywhere(self, permission: str) -> bool:
        """Whether the caller holds `permission` everywhere or in at least one department."""
        return permission in self.everywhere or any(
            permission in held for held in self.by_department.values()
        )

    def departments_for(self, permission: str) -> frozenset[str] | None:
        """Where `permission` holds: None for everywhere, else the departments (maybe none).

        Engine queries filter by this: a scoped caller sees only those departments' rows."""
        if permission in self.everywhere:
            return None
        return frozenset(d for d, held in self.by_department.items() if permission in held)

    def roles_in(self, department: str | None) -> frozenset[str]:
        """The roles the caller holds for a thing in `department` (global ones included)."""
        if department is None:
            return self.roles_everywhere
        return self.roles_everywhere | self.roles_by_department.get(department, frozenset())

    def limited_to(self, scope: Iterable[str]) -> Access:
        """This access with every permission outside `scope` removed (a token's scope)."""
        allowed = frozenset(scope)
        return Access(
            everywhere=self.everywhere & allowed,
            by_department=MappingProxyType(
                {d: held & allowed for d, held in self.by_department.items()}
            ),
            roles_everywhere=self.roles_everywhere,
            roles_by_department=self.roles_by_department,
        )


def access_of(grants: Iterable[Grant], role_map: Mapping[str, Iterable[str]]) -> Access:
    """The access a user's `grants` give under the template's `role_map`."""
    everywhere: set[str] = set()
    roles_everywhere: set[str] = set()
    by_department: dict[str, set[str]] = {}
    roles_by_department: dict[str, set[str]] = {}
    for grant in grants:
        held = permissions_of_role(grant.role, role_map)
        if grant.department is None:
            everywhere |= held
            roles_everywhere.add(grant.role)
        else:
            by_department.setdefault(grant.department, set()).update(held)
            roles_by_department.setdefault(grant.department, set()).add(grant.role)
    return Access(
        everywhere=frozenset(everywhere),
        by_department=MappingProxyType({d: frozenset(p) for d, p in by_department.items()}),
        roles_everywhere=frozenset(roles_everywhere),
        roles_by_department=MappingProxyType(
            {d: frozenset(r) for d, r in roles_by_department.items()}
        ),
    )


def unknown_permissions(names: Iterable[str]) -> list[str]:
    """The names in `names` that are no permission, in their order (for checkers)."""
    return [n for n in names if n not in PERMISSION_NAMES]
