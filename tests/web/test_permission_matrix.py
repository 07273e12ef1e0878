"""The permission matrix: every API route and page × every kind of caller → the expected status.

One table (`ROUTES`) names, for each route, the permission it needs and whether it concerns the
customer of department `east`; `HOLDERS` says, written out by hand from docs/security.md, which
of the example template's roles hold each permission. Callers: anonymous, a user per role with a
global grant, `east_head` (department_head granted in east: the right department) and
`west_head` (department_head granted in west: the wrong one). A route of the application
without a row fails the suite. Runs against the real server, on each backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import httpx
import pytest

from engine import alerts
from engine.credit_checks import check_order
from engine.db import Database
from engine.tokens import create_token
from engine.users import add_user
from tests.conftest import EXAMPLE_TEMPLATE, MECHANICS_TEMPLATE
from tests.web.conftest import NOW, PASSWORD, RISKY, LiveServer, upsert

ROLES = ("sales", "sales_manager", "department_head", "finance_head", "legal", "cfo", "admin")
EVERYONE = frozenset(ROLES)
HOLDERS: dict[str | None, frozenset[str]] = {
    None: EVERYONE,  # any signed-in caller
    "customers:read": EVERYONE,
    "cases:act": EVERYONE,
    "cases:start": frozenset({"sales_manager", "department_head", "finance_head", "cfo", "admin"}),
    "customers:write": frozenset({"sales_manager", "department_head", "admin"}),
    "events:write": EVERYONE - {"cfo"},
    "fx:write": frozenset({"finance_head", "admin"}),
    "audit:read": frozenset({"cfo", "admin"}),
    "templates:import": frozenset({"admin"}),
    "users:admin": frozenset({"admin"}),
    "system:sweep": frozenset({"admin"}),
    "specs:edit": frozenset({"admin"}),  # and risk_analyst, not among the matrix's roles
    "specs:publish": frozenset({"cfo", "admin"}),
    "portfolio:rescore": frozenset({"cfo", "admin"}),
    "orders:check": frozenset({"sales", "sales_manager", "finance_head", "cfo", "admin"}),
    "alerts:acknowledge": EVERYONE,
}
# department_head's permissions, held by east_head and west_head in their department only
HEAD = frozenset(p for p, roles in HOLDERS.items() if p and "department_head" in roles)
CALLERS = ("anonymous", *ROLES, "east_head", "west_head")
PUBLIC = "public"
ADMIN_OK = frozenset({200, 303, 404, 422})


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # the route's path template, as the application declares it
    url: str  # the URL requested (placeholders filled in)
    permission: str | None
    ok: int  # the status for a caller allowed to proceed (or `also`)
    in_east: bool = False  # concerns the customer of department east
    page: bool = False
    json: Any = None
    files: dict[str, Any] | None = None
    form: dict[str, str] = field(default_factory=dict)
    also: frozenset[int] = frozenset()  # other statuses a caller allowed to proceed may get


CUSTOMER = {"name": "Shaky Trading Ltd.", "department": "east", "data": RISKY}
EVENT = {"kind": "payment", "occurred_at": "2026-11-20", "payload": {"amount": 10}}
DRAFT = {"source": (EXAMPLE_TEMPLATE / "rules" / "credit.rules").read_text(encoding="utf-8")}
DRAFTS = {
    "forms/customer": (EXAMPLE_TEMPLATE / "forms" / "customer.yaml").read_text(encoding="utf-8"),
    # the workspace's own (tests/conftest.py, MECHANICS_TEMPLATE), which its forms can check
    "workflows/high_risk_review": (
        MECHANICS_TEMPLATE / "workflows" / "high_risk_review.yaml"
    ).read_text(encoding="utf-8"),
}
# the first caller holding specs:publish publishes the draft; the next finds none left
PUBLISH = {"comment": "as reviewed"}
PUBLISHED_ONCE = frozenset({404})
# an events file each caller may import (its rows for C-EAST; out of scope: rejected, still queued)
EVENTS_CSV = b"customer_ref,kind,occurred_at,amount\nC-EAST,payment,2026-11-20,10\n"
# a field the form builder adds (web.pages_form_builder); a builder change without the draft's
# checksum finds the draft the first caller made (409)
BUILDER_FIELD = {"f.id": "bureau_score", "f.type": "integer", "f.min": "0"}
DRAFT_MADE = frozenset({409})
# each caller hands its cases to `target` (users who are not `target` themselves)
DELEGATION = {"delegate": "target", "starts_at": "2100-01-01T00:00", "ends_at": "2100-01-10T00:00"}


def _draft_rows(plural: str, key: str, source: str) -> tuple[Route, ...]:
    """The draft routes of one kind (web.api.drafts), in the order the matrix walks them."""
    base = f"/api/v1/{plural}/{key}"
    path = f"/api/v1/{plural}/{{key}}"
    return (
        Route("PUT", f"{path}/draft", f"{base}/draft", "specs:edit", 200, json={"source": source}),
        Route("GET", f"{path}/draft", f"{base}/draft", "specs:edit", 200),
        Route("GET", f"{path}/versions", f"{base}/versions", "specs:edit", 200),
        Route(
            "GET", f"{path}/versions/{{version}}/diff", f"{base}/versions/1/diff", "specs:edit", 200
        ),
        Route(
            "POST",
            f"{path}/draft/publish",
            f"{base}/draft/publish",
            "specs:publish",
            200,
            json=PUBLISH,
            also=PUBLISHED_ONCE,
        ),
    )


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/v1/health", "/api/v1/health", PUBLIC, 200),
    Route("GET", "/api/v1/me", "/api/v1/me", None, 200),
    Route("GET", "/api/v1/tokens", "/api/v1/tokens", None, 200),
    Route("POST", "/api/v1/tokens", "/api/v1/tokens", None, 201, json={"name": "matrix"}),
    Route("DELETE", "/api/v1/tokens/{token_id}", "/api/v1/tokens/999999", None, 404),
    Route("GET", "/api/v1/customers", "/api/v1/customers", "customers:read", 200),
    Route(
        "GET",
        "/api/v1/customer-export",
        "/api/v1/customer-export?format=xlsx&tier=high",
        "customers:read",
        200,
    ),
    Route("GET", "/api/v1/customer-views", "/api/v1/customer-views", "customers:read", 200),
    Route(
        "POST",
        "/api/v1/customer-views",
        "/api/v1/customer-views",
        "customers:read",
        201,
        json={"name": "matrix", "params": {"tier": "high"}},
    ),
    Route(
        "DELETE",
        "/api/v1/customer-views/{view_id}",
        "/api/v1/customer-views/999999",
        "customers:read",
        404,
    ),
    Route(
        "PUT",
        "/api/v1/customers/{ref}",
        "/api/v1/customers/C-EAST",
        "customers:write",
        200,
        in_east=True,
        json=CUSTOMER,
    ),
    Route(
        "PATCH",
        "/api/v1/customers/{ref}",
        "/api/v1/customers/C-EAST",
        "customers:write",
        200,
        in_east=True,
        json={"data": {"max_overdue_days": 120}},
    ),
    Route(
        "GET",
        "/api/v1/customers/{ref}",
        "/api/v1/customers/C-EAST",
        "customers:read",
        200,
        in_east=True,
    ),
    Route(
        "GET",
        "/api/v1/customers/{ref}/assessments",
        "/api/v1/customers/C-EAST/assessments",
        "customers:read",
        200,
        in_east=True,
    ),
    Route(
        "GET",
        "/api/v1/customers/{ref}/events",
        "/api/v1/customers/C-EAST/events?kind=payment",
        "customers:read",
        200,
        in_east=True,
    ),
    Route(
        "GET",
        "/api/v1/customers/{ref}/terms-changes",
        "/api/v1/customers/C-EAST/terms-changes",
        "customers:read",
        200,
        in_east=True,
    ),
    Route(
        "POST",
        "/api/v1/customers/{ref}/events",
        "/api/v1/customers/C-EAST/events",
        "events:write",
        201,
        in_east=True,
        json=EVENT,
    ),
    Route("GET", "/api/v1/dashboard", "/api/v1/dashboard", "customers:read", 200),
    Route("GET", "/api/v1/alerts", "/api/v1/alerts?severity=critical", "customers:read", 200),
    Route(
        "GET",
        "/api/v1/alerts/{alert_id}",
        "/api/v1/alerts/{alert}",
        "customers:read",
        200,
        in_east=True,
    ),
    # no comment: a caller past the access checks gets 422, and the alert stays open
    Route(
        "POST",
        "/api/v1/alerts/{alert_id}/acknowledge",
        "/api/v1/alerts/{alert}/acknowledge",
        "alerts:acknowledge",
        422,
        in_east=True,
        json={"comment": " "},
    ),
    Route("GET", "/api/v1/cases", "/api/v1/cases", "customers:read", 200),
    Route(
        "GET",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case}",
        "customers:read",
        200,
        in_east=True,
    ),
    # an action the step lacks: a caller past the access checks gets 422, and nothing changes
    Route(
        "POST",
        "/api/v1/cases/{case_id}/actions/{action}",
        "/api/v1/cases/{case}/actions/nope",
        "cases:act",
        422,
        in_east=True,
        json={},
    ),
    # a workflow that cannot be started by hand: a caller past the access checks gets 404
    Route(
        "POST",
        "/api/v1/customers/{ref}/cases",
        "/api/v1/customers/C-EAST/cases",
        "cases:start",
        404,
        in_east=True,
        json={"workflow": "nope"},
    ),
    Route("GET", "/api/v1/fx-rates", "/api/v1/fx-rates", "customers:read", 200),
    # imports (web.api.imports): queued for whoever may write the file's kind; an import is read
    # by its author (an unknown id: 404 for every signed-in caller)
    Route(
        "POST",
        "/api/v1/imports",
        "/api/v1/imports",
        "events:write",
        202,
        json=None,
        files={"file": ("events.csv", EVENTS_CSV, "text/csv"), "kind": (None, b"events")},
    ),
    Route("GET", "/api/v1/imports", "/api/v1/imports", None, 200),
    Route("GET", "/api/v1/imports/{import_id}", "/api/v1/imports/999999", None, 404),
    Route(
        "GET",
        "/api/v1/imports/{import_id}/rejected.csv",
        "/api/v1/imports/999999/rejected.csv",
        None,
        404,
    ),
    Route(
        "PUT",
        "/api/v1/fx-rates/{currency}",
        "/api/v1/fx-rates/USD",
        "fx:write",
        201,
        json={"rate": "7.1", "valid_from": "2026-11-01"},
        also=frozenset({200}),  # the first caller sets the rate, the next ones find it set
    ),
    Route(
        "POST",
        "/api/v1/templates",
        "/api/v1/templates",
        "templates:import",
        422,
        files={"file": ("t.zip", b"not a zip", "application/zip")},
    ),
    Route("POST", "/api/v1/sweep", "/api/v1/sweep", "system:sweep", 200, json={}),
    Route("GET", "/api/v1/schedules", "/api/v1/schedules", "system:sweep", 200),
    Route("GET", "/api/v1/calendars", "/api/v1/calendars", "customers:read", 200),
    Route("GET", "/api/v1/calendars/{name}", "/api/v1/calendars/cn", "customers:read", 200),
    Route("GET", "/api/v1/audit", "/api/v1/audit", "audit:read", 200),
    Route("GET", "/api/v1/audit.csv", "/api/v1/audit.csv", "audit:read", 200),
    Route("GET", "/api/v1/audit/verify", "/api/v1/audit/verify", "audit:read", 200),
    # ruleset drafts: the first allowed caller saves the draft the next rows read and try
    Route(
        "PUT",
        "/api/v1/rulesets/{key}/draft",
        "/api/v1/rulesets/credit/draft",
        "specs:edit",
        200,
        json=DRAFT,
    ),
    Route(
        "GET", "/api/v1/rulesets/{key}/draft", "/api/v1/rulesets/credit/draft", "specs:edit", 200
    ),
    Route(
        "GET",
        "/api/v1/rulesets/{key}/versions",
        "/api/v1/rulesets/credit/versions",
        "specs:edit",
        200,
    ),
    Route(
        "GET",
        "/api/v1/rulesets/{key}/versions/{version}/diff",
        "/api/v1/rulesets/credit/versions/1/diff",
        "specs:edit",
        200,
    ),
    Route(
        "POST",
        "/api/v1/rulesets/{key}/draft/try",
        "/api/v1/rulesets/credit/draft/try",
        "specs:edit",
        200,
        in_east=True,
        json={"customer_ref": "C-EAST"},
    ),
    # simulations: the draft saved above; an unknown simulation is a 404 past the checks
    Route(
        "POST",
        "/api/v1/rulesets/{key}/draft/simulate",
        "/api/v1/rulesets/credit/draft/simulate",
        "specs:edit",
        202,
        json={},
    ),
    Route(
        "GET",
        "/api/v1/simulations/{simulation_id}",
        "/api/v1/simulations/999999",
        "specs:edit",
        404,
    ),
    Route(
        "GET",
        "/api/v1/simulations/{simulation_id}/movers",
        "/api/v1/simulations/999999/movers",
        "specs:edit",
        404,
    ),
    # a shadow run of that draft: started, compared, stopped
    Route(
        "POST",
        "/api/v1/rulesets/{key}/draft/shadow",
        "/api/v1/rulesets/credit/draft/shadow",
        "specs:edit",
        201,
        json={"until": "2100-01-01T00:00"},
    ),
    Route(
        "GET",
        "/api/v1/rulesets/{key}/draft/shadow",
        "/api/v1/rulesets/credit/draft/shadow",
        "specs:edit",
        200,
    ),
    Route(
        "DELETE",
        "/api/v1/rulesets/{key}/draft/shadow",
        "/api/v1/rulesets/credit/draft/shadow",
        "specs:edit",
        200,
    ),
    Route(
        "POST",
        "/api/v1/rulesets/{key}/draft/publish",
        "/api/v1/rulesets/credit/draft/publish",
        "specs:publish",
        200,
        json=PUBLISH,
        also=PUBLISHED_ONCE,
    ),
    *_draft_rows("forms", "customer", DRAFTS["forms/customer"]),
    *_draft_rows("workflows", "high_risk_review", DRAFTS["workflows/high_risk_review"]),
    # published workflows and their diagrams; the rows above published the draft: none left
    Route("GET", "/api/v1/workflows", "/api/v1/workflows", "specs:edit", 200),
    Route(
        "GET", "/api/v1/forms/{key}/schema", "/api/v1/forms/customer/schema", "customers:read", 200
    ),
    # form versions: the impact of the form draft (the rows above published it: none left)
    Route(
        "GET",
        "/api/v1/forms/{key}/draft/impact",
        "/api/v1/forms/customer/draft/impact",
        "specs:edit",
        404,
    ),
    Route(
        "GET", "/api/v1/workflows/{key}", "/api/v1/workflows/high_risk_review", "specs:edit", 200
    ),
    Route(
        "GET",
        "/api/v1/workflows/{key}/diagram.svg",
        "/api/v1/workflows/high_risk_review/diagram.svg?case={case}",
        "specs:edit",
        200,
        in_east=True,
    ),
    Route(
        "GET",
        "/api/v1/workflows/{key}/draft/diagram.svg",
        "/api/v1/workflows/high_risk_review/draft/diagram.svg",
        "specs:edit",
        404,
    ),
    # rescores: the whole portfolio, so a permission held everywhere
    Route("POST", "/api/v1/rescores", "/api/v1/rescores", "portfolio:rescore", 202, json={}),
    Route("GET", "/api/v1/rescores", "/api/v1/rescores", "portfolio:rescore", 200),
    Route(
        "GET", "/api/v1/rescores/{rescore_id}", "/api/v1/rescores/999999", "portfolio:rescore", 404
    ),
    # notifications and delegations: anyone signed in, their own only
    Route("GET", "/api/v1/notifications", "/api/v1/notifications?unread=true", None, 200),
    Route(
        "POST",
        "/api/v1/notifications/{notification_id}/read",
        "/api/v1/notifications/999999/read",
        None,
        404,
    ),
    Route("POST", "/api/v1/notifications/read-all", "/api/v1/notifications/read-all", None, 200),
    Route("GET", "/api/v1/me/delegations", "/api/v1/me/delegations", None, 200),
    Route("POST", "/api/v1/me/delegations", "/api/v1/me/delegations", None, 201, json=DELEGATION),
    Route(
        "DELETE",
        "/api/v1/me/delegations/{delegation_id}",
        "/api/v1/me/delegations/999999",
        None,
        404,
    ),
    Route(
        "POST",
        "/api/v1/users/{name}/delegations",
        "/api/v1/users/target/delegations",
        "users:admin",
        201,
        json={**DELEGATION, "delegate": "sales"},
    ),
    # order credit checks: the first allowed caller checks the order, the next ones replay it;
    # {check} is a held check of C-EAST (no credit limit), which no one may close
    Route(
        "POST",
        "/api/v1/customers/{ref}/credit-checks",
        "/api/v1/customers/C-EAST/credit-checks",
        "orders:check",
        201,
        in_east=True,
        json={"order_ref": "SO-MATRIX", "amount": 10, "currency": "CNY"},
        also=frozenset({200}),
    ),
    # read with orders:check or as a case actor (everyone in the example)
    Route(
        "GET",
        "/api/v1/credit-checks/{check_id}",
        "/api/v1/credit-checks/{check}",
        "cases:act",
        200,
        in_east=True,
    ),
    Route(
        "POST",
        "/api/v1/credit-checks/{check_id}/close",
        "/api/v1/credit-checks/{check}/close",
        "orders:check",
        409,
        in_east=True,
        json={"reason": "invoiced"},
    ),
    # pages
    # administration: a caller past the access checks gets the page, a redirect after the
    # change, or a refusal of the form's (made-up) content — never a 403
    Route("GET", "/admin", "/admin", "users:admin", 303, page=True),
    Route("GET", "/admin/users", "/admin/users", "users:admin", 200, page=True),
    Route("POST", "/admin/users", "/admin/users", "users:admin", 422, page=True, also=ADMIN_OK),
    Route("GET", "/admin/users/{name:path}", "/admin/users/target", "users:admin", 200, page=True),
    Route(
        "POST",
        "/admin/users/{name:path}/grants",
        "/admin/users/target/grants",
        "users:admin",
        303,
        page=True,
        form={"role": "legal", "department": "east"},
        also=ADMIN_OK,
    ),
    Route(
        "POST",
        "/admin/users/{name:path}/grants/revoke",
        "/admin/users/target/grants/revoke",
        "users:admin",
        303,
        page=True,
        form={"role": "legal", "department": "east"},
        also=ADMIN_OK,
    ),
    Route(
        "POST",
        "/admin/users/{name:path}/active",
        "/admin/users/target/active",
        "users:admin",
        303,
        page=True,
        form={"active": "true"},
        also=ADMIN_OK,
    ),
    Route(
        "POST",
        "/admin/users/{name:path}/password",
        "/admin/users/target/password",
        "users:admin",
        200,
        page=True,
        also=ADMIN_OK,
    ),
    Route("GET", "/admin/tokens", "/admin/tokens", "users:admin", 200, page=True),
    Route("POST", "/admin/tokens", "/admin/tokens", "users:admin", 422, page=True, also=ADMIN_OK),
    Route(
        "POST",
        "/admin/tokens/{token_id}/revoke",
        "/admin/tokens/999999/revoke",
        "users:admin",
        404,
        page=True,
        also=ADMIN_OK,
    ),
    Route("GET", "/admin/audit", "/admin/audit", "audit:read", 200, page=True),
    Route("GET", "/admin/audit.csv", "/admin/audit.csv", "audit:read", 200, page=True),
    Route("POST", "/admin/audit/verify", "/admin/audit/verify", "audit:read", 200, page=True),
    Route("GET", "/login", "/login", PUBLIC, 200, page=True),
    Route("GET", "/", "/", None, 200, page=True),  # the dashboard: every signed-in user
    Route("GET", "/customers", "/customers", "customers:read", 200, page=True),
    Route(
        "GET",
        "/customer-export",
        "/customer-export?format=csv&open_case=yes",
        "customers:read",
        200,
        page=True,
    ),
    Route(
        "POST",
        "/customers/views",
        "/customers/views",
        "customers:read",
        303,
        page=True,
        form={"name": "matrix", "alert": "any"},
    ),
    Route(
        "POST",
        "/customers/views/{view_id}/delete",
        "/customers/views/999999/delete",
        "customers:read",
        404,
        page=True,
    ),
    Route(
        "GET",
        "/customers/{ref}",
        "/customers/C-EAST",
        "customers:read",
        200,
        page=True,
        in_east=True,
    ),
    # the customer page's "Start" forms; a workflow that cannot be started by hand: a caller
    # past the access checks gets 404, and no case opens
    Route(
        "POST",
        "/customers/{ref}/cases",
        "/customers/C-EAST/cases",
        "cases:start",
        404,
        page=True,
        in_east=True,
        form={"workflow": "nope"},
    ),
    # the customer edit form (web.pages_customer_edit): the live check stores nothing; the
    # save of one field is a partial update
    Route(
        "GET",
        "/customers/{ref}/edit",
        "/customers/C-EAST/edit",
        "customers:write",
        200,
        page=True,
        in_east=True,
    ),
    Route(
        "POST",
        "/customers/{ref}/edit/check",
        "/customers/C-EAST/edit/check",
        "customers:write",
        200,
        page=True,
        in_east=True,
        form={"data.max_overdue_days": "abc"},
    ),
    Route(
        "POST",
        "/customers/{ref}/edit",
        "/customers/C-EAST/edit",
        "customers:write",
        303,
        page=True,
        in_east=True,
        form={"data.max_overdue_days": "120"},
    ),
    # the import pages (web.pages_imports): for writers of customers or events
    Route("GET", "/imports", "/imports", "events:write", 200, page=True),
    Route(
        "POST",
        "/imports",
        "/imports",
        "events:write",
        303,
        page=True,
        form={"kind": "events", "mode": "valid-rows"},
        files={"file": ("events.csv", EVENTS_CSV, "text/csv")},
    ),
    Route("GET", "/imports/{import_id}", "/imports/999999", "events:write", 404, page=True),
    Route(
        "GET",
        "/imports/{import_id}/rejected.csv",
        "/imports/999999/rejected.csv",
        "events:write",
        404,
        page=True,
    ),
    Route("GET", "/inbox", "/inbox", "customers:read", 200, page=True),
    # the alerts page (web.pages_alerts); an empty comment is refused past the access checks
    Route("GET", "/alerts", "/alerts?status=all", "customers:read", 200, page=True),
    Route(
        "POST",
        "/alerts/{alert_id}/acknowledge",
        "/alerts/{alert}/acknowledge",
        "alerts:acknowledge",
        422,
        page=True,
        in_east=True,
        form={"comment": ""},
    ),
    Route(
        "GET",
        "/cases/{case_id}",
        "/cases/{case}",
        "customers:read",
        200,
        page=True,
        in_east=True,
    ),
    Route(
        "GET",
        "/inbox/cases/{case_id}/decide",
        "/inbox/cases/{case}/decide",
        "customers:read",
        200,
        page=True,
        in_east=True,
    ),
    Route(
        "POST",
        "/cases/{case_id}/actions/{action}",
        "/cases/{case}/actions/nope",
        "cases:act",
        422,
        page=True,
        in_east=True,
    ),
    # the rules editor: specs:edit; the draft the API rows saved is checked, saved and tried
    Route("GET", "/rules", "/rules", "specs:edit", 200, page=True),
    Route("GET", "/calendars", "/calendars", "customers:read", 200, page=True),
    Route("GET", "/calendars/{name}", "/calendars/cn", "customers:read", 200, page=True),
    Route("GET", "/rules/{key}", "/rules/credit", "specs:edit", 200, page=True),
    Route(
        "POST",
        "/rules/{key}/check",
        "/rules/credit/check",
        "specs:edit",
        200,
        page=True,
        form={"source": "ruleset credit\n"},
    ),
    Route(
        "POST",
        "/rules/{key}/draft",
        "/rules/credit/draft",
        "specs:edit",
        303,
        page=True,
        form=DRAFT,
    ),
    # the form builder (web.pages_form_builder): a change posted without the draft's checksum
    # makes the draft for the first caller; the next finds one made meanwhile (409)
    Route("GET", "/forms/{key}/builder", "/forms/customer/builder", "specs:edit", 200, page=True),
    Route(
        "POST",
        "/forms/{key}/builder/preview",
        "/forms/customer/builder/preview",
        "specs:edit",
        200,
        page=True,
        form=BUILDER_FIELD,
    ),
    Route(
        "POST",
        "/forms/{key}/builder/fields",
        "/forms/customer/builder/fields",
        "specs:edit",
        303,
        page=True,
        form=BUILDER_FIELD,
        also=DRAFT_MADE,
    ),
    Route(
        "POST",
        "/forms/{key}/builder/fields/{field_id}/move",
        "/forms/customer/builder/fields/bureau_score/move",
        "specs:edit",
        303,
        page=True,
        form={"direction": "up"},
        also=DRAFT_MADE,
    ),
    Route(
        "POST",
        "/forms/{key}/builder/fields/{field_id}/delete",
        "/forms/customer/builder/fields/bureau_score/delete",
        "specs:edit",
        303,
        page=True,
        also=DRAFT_MADE,
    ),
    # a group's sub-fields: the customer form has no group `contacts`, so a caller allowed to
    # proceed finds none (404), or the draft made meanwhile first (409)
    Route(
        "POST",
        "/forms/{key}/builder/fields/{group}/fields",
        "/forms/customer/builder/fields/contacts/fields",
        "specs:edit",
        404,
        page=True,
        form=BUILDER_FIELD,
        also=DRAFT_MADE,
    ),
    Route(
        "POST",
        "/forms/{key}/builder/fields/{group}/fields/{sub}/move",
        "/forms/customer/builder/fields/contacts/fields/phone/move",
        "specs:edit",
        404,
        page=True,
        form={"direction": "up"},
        also=DRAFT_MADE,
    ),
    Route(
        "POST",
        "/forms/{key}/builder/fields/{group}/fields/{sub}/delete",
        "/forms/customer/builder/fields/contacts/fields/phone/delete",
        "specs:edit",
        404,
        page=True,
        also=DRAFT_MADE,
    ),
    Route(
        "POST",
        "/rules/{key}/try",
        "/rules/credit/try",
        "specs:edit",
        200,
        page=True,
        in_east=True,
        form={"customer_ref": "C-EAST"},
    ),
    Route(
        "POST",
        "/rules/{key}/simulations",
        "/rules/credit/simulations",
        "specs:edit",
        303,
        page=True,
    ),
    Route(
        "GET",
        "/rules/{key}/simulations/{simulation_id}",
        "/rules/credit/simulations/999999",
        "specs:edit",
        404,
        page=True,
    ),
    # the page publishes the draft the rows above saved (admin also holds specs:publish)
    Route(
        "POST",
        "/rules/{key}/publish",
        "/rules/credit/publish",
        "specs:edit",
        303,
        page=True,
        form={"comment": "as reviewed"},
    ),
    Route(
        "GET",
        "/rules/{key}/versions/{version}/diff",
        "/rules/credit/versions/1/diff",
        "specs:edit",
        200,
        page=True,
    ),
    # the workflow pages: specs:edit, as the rules editor; the workflow was published above
    Route("GET", "/workflows", "/workflows", "specs:edit", 200, page=True),
    Route("GET", "/workflows/{key}", "/workflows/high_risk_review", "specs:edit", 200, page=True),
    Route(
        "GET",
        "/workflows/{key}/edit",
        "/workflows/high_risk_review/edit",
        "specs:edit",
        200,
        page=True,
    ),
    Route(
        "POST",
        "/workflows/{key}/check",
        "/workflows/high_risk_review/check",
        "specs:edit",
        200,
        page=True,
        form={"source": DRAFTS["workflows/high_risk_review"]},
    ),
    Route(
        "POST",
        "/workflows/{key}/draft",
        "/workflows/high_risk_review/draft",
        "specs:edit",
        303,
        page=True,
        form={"source": DRAFTS["workflows/high_risk_review"]},
    ),
    Route(
        "POST",
        "/workflows/{key}/publish",
        "/workflows/high_risk_review/publish",
        "specs:edit",
        303,
        page=True,
        form={"comment": "as reviewed"},
    ),
    # the form editor: specs:edit, as the other editors; the form was published above
    Route("GET", "/forms/{key}/edit", "/forms/customer/edit", "specs:edit", 200, page=True),
    Route(
        "POST",
        "/forms/{key}/check",
        "/forms/customer/check",
        "specs:edit",
        200,
        page=True,
        form={"source": DRAFTS["forms/customer"]},
    ),
    Route(
        "POST",
        "/forms/{key}/draft",
        "/forms/customer/draft",
        "specs:edit",
        303,
        page=True,
        form={"source": DRAFTS["forms/customer"]},
    ),
    Route(
        "POST",
        "/forms/{key}/publish",
        "/forms/customer/publish",
        "specs:edit",
        303,
        page=True,
        form={"comment": "as reviewed"},
    ),
    Route("GET", "/account", "/account", None, 200, page=True),
    Route("GET", "/notifications", "/notifications", None, 200, page=True),
    Route("GET", "/notifications/bell", "/notifications/bell", None, 200, page=True),
    Route(
        "POST",
        "/notifications/{notification_id}/read",
        "/notifications/999999/read",
        None,
        404,
        page=True,
    ),
    Route("POST", "/notifications/read-all", "/notifications/read-all", None, 303, page=True),
    # a period after the API rows' one: each caller sets a delegation of their own
    Route(
        "POST",
        "/account/delegations",
        "/account/delegations",
        None,
        303,
        page=True,
        form={**DELEGATION, "starts_at": "2100-02-01T00:00", "ends_at": "2100-02-10T00:00"},
    ),
    Route(
        "POST",
        "/account/delegations/{delegation_id}/revoke",
        "/account/delegations/999999/revoke",
        None,
        404,
        page=True,
    ),
    Route(
        "POST",
        "/account/sessions/{session_id}/revoke",
        "/account/sessions/999999/revoke",
        None,
        303,
        page=True,
    ),
)
# Routes answered by other means than the table: sign-in and sign-out themselves (tested in
# tests/web/test_sessions_pages.py), changing one's password and logging out everywhere (which
# would end the matrix caller's session), the language switch (any visitor), the API docs.
NOT_IN_MATRIX = {
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/account/password"),
    ("POST", "/account/logout-everywhere"),
    ("POST", "/language"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/docs"),
}


def expected(route: Route, caller: str) -> frozenset[int]:
    """The statuses `caller` may get for `route` (docs/security.md)."""
    status = _expected(route, caller)
    return route.also | {status} if status == route.ok else frozenset({status})


def _expected(route: Route, caller: str) -> int:
    """The status `caller` gets for `route`: written from the rules of docs/security.md."""
    if route.path == "/admin" and caller in HOLDERS["audit:read"]:
        return 303  # on to the first administration page the caller may use
    if route.path == "/login":
        return 200 if caller == "anonymous" else 303  # signed in: on to the customers
    if route.permission == PUBLIC:
        return route.ok
    if caller == "anonymous":
        return 303 if route.page else 401  # a page sends the visitor to sign in
    if caller in ("east_head", "west_head"):
        if route.permission is not None and route.permission not in HEAD:
            return 403
        if caller == "west_head" and route.in_east:
            return 404  # outside one's departments a customer does not exist
        return route.ok
    if caller not in HOLDERS[route.permission]:
        return 403
    return route.ok


def _declared(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, inside included routers too."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _declared(inner.routes, prefix + inner.prefix)
        elif getattr(route, "methods", None):
            for method in set(route.methods) - {"HEAD"}:
                yield method, prefix + route.path


def test_every_route_has_a_row(live_server: LiveServer) -> None:
    declared = set(_declared(live_server.app.routes))
    covered = {(r.method, r.path) for r in ROUTES} | NOT_IN_MATRIX
    assert sorted(declared - covered) == [], "routes without a row in the permission matrix"
    assert sorted(covered - declared) == [], "rows for routes that do not exist"


@dataclass
class Caller:
    name: str
    api: httpx.Client
    browser: httpx.Client
    csrf: str


def _sign_in(base_url: str, name: str) -> tuple[httpx.Client, str]:
    browser = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
    if name == "anonymous":
        return browser, ""
    page = browser.get("/login").text
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert form_token is not None
    signed_in = browser.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": form_token[1]},
    )
    assert signed_in.status_code == 303, signed_in.text
    account = browser.get("/account").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', account)
    assert token is not None
    return browser, token[1]


@pytest.fixture
def callers(workspace: Database, live_server: LiveServer) -> Iterator[dict[str, Caller]]:
    grants: dict[str, tuple[str, str | None]] = {role: (role, None) for role in ROLES}
    grants |= {"east_head": ("department_head", "east"), "west_head": ("department_head", "west")}
    tokens: dict[str, str] = {}
    with workspace.transaction() as session:
        for name, (role, department) in grants.items():
            add_user(
                session, name, roles=(role,), department=department, password=PASSWORD, now=NOW
            )
            tokens[name] = create_token(session, name, name="matrix", now=NOW).secret
        add_user(session, "target", roles=("sales",), password=PASSWORD, now=NOW)
    made: dict[str, Caller] = {}
    for name in CALLERS:
        headers = {"Authorization": f"Bearer {tokens[name]}"} if name in tokens else {}
        api = httpx.Client(base_url=live_server.url, headers=headers, timeout=30)
        browser, csrf = _sign_in(live_server.url, name)
        made[name] = Caller(name, api, browser, csrf)
    try:
        yield made
    finally:
        for caller in made.values():
            caller.api.close()
            caller.browser.close()


def _request(
    route: Route, caller: Caller, case_id: int, check_id: int = 0, alert_id: int = 0
) -> httpx.Response:
    url = route.url.replace("{case}", str(case_id)).replace("{check}", str(check_id))
    url = url.replace("{alert}", str(alert_id))
    if route.page:
        data = {**route.form, "csrf_token": caller.csrf} if route.method == "POST" else None
        return caller.browser.request(route.method, url, data=data, files=route.files)
    return caller.api.request(route.method, url, json=route.json, files=route.files)


def test_permission_matrix(workspace: Database, callers: dict[str, Caller]) -> None:
    opened = upsert(workspace, "C-EAST", RISKY)  # department east; opens a review case
    (case_id,) = opened.cases_opened
    with workspace.transaction() as session:
        check_id = check_order(
            session,
            customer="C-EAST",
            order_ref="SO-HELD",
            amount=1,
            currency="CNY",
            actor="erp",
            now=NOW,
            tz=UTC,
        ).id
        (alert_id, *_) = [a.id for a in alerts.list_alerts(session).items]
    wrong: list[str] = []
    for route in ROUTES:
        for name in CALLERS:
            response = _request(route, callers[name], case_id, check_id, alert_id)
            want = expected(route, name)
            if response.status_code not in want:
                wrong.append(
                    f"{route.method} {route.url} as {name}: {response.status_code}, expected "
                    f"{sorted(want)} ({response.text[:120]!r})"
                )
    assert wrong == [], "\n".join(wrong)


def test_lists_hold_only_the_callers_departments(
    workspace: Database, callers: dict[str, Caller]
) -> None:
    upsert(workspace, "C-EAST", RISKY)
    with workspace.transaction() as session:
        from datetime import UTC

        from engine import clock
        from engine.customers import CustomerInput, upsert_customer

        upsert_customer(
            session,
            "C-WEST",
            CustomerInput(name="West Co.", department="west", data=RISKY),
            actor="test",
            now=clock.utcnow(),
            tz=UTC,
        )

    def refs(caller: str, path: str, key: str) -> set[str]:
        body = callers[caller].api.get(path).json()
        return {item[key] for item in body["items"]}

    assert refs("west_head", "/api/v1/customers", "ref") == {"C-WEST"}
    assert refs("east_head", "/api/v1/customers", "ref") == {"C-EAST"}
    assert refs("admin", "/api/v1/customers", "ref") == {"C-EAST", "C-WEST"}
    assert refs("west_head", "/api/v1/cases", "customer_ref") == {"C-WEST"}
    assert refs("admin", "/api/v1/cases", "customer_ref") == {"C-EAST", "C-WEST"}
    page = callers["west_head"].browser.get("/customers").text
    assert "C-WEST" in page and "C-EAST" not in page
