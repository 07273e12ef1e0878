"""The customers page: the filtered, sorted list a credit team works in, its total, pages both
ways, the user's saved views (save, open, delete) and the export of the list (CSV, XLSX).

The filters form refreshes the `results` block in place with htmx and pushes its address, so
the address always says the list shown (and a saved view is that address's parameters). Sort
headers are plain links with `aria-sort`; everything works without JavaScript.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from engine import specs
from engine.customer_export import export_customers
from engine.customer_list import list_customers
from engine.customer_query import ALERT_CHOICES, CustomerQuery, customer_query
from engine.errors import NotConfiguredError
from engine.models import Department
from engine.saved_views import delete_view, list_saved_views, save_view
from engine.scoping import Scope, where_within
from engine.types import MAX_ROW_ID
from engine.users import UserView
from web.customer_params import CustomerQueryDep
from web.deps import DbDep, HxRequest, NowDep, PageReader, PageSession
from web.i18n import PageLanguageDep, gettext, ngettext, translator
from web.pages import check_csrf, render
from web.pages_alerts import SEVERITIES

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# the columns whose header sorts the list, in the table's order (engine.customer_query)
SORTABLE = ("ref", "name", "score", "tier", "updated_at")
Csrf = Annotated[str, Form(max_length=200)]


def _scope(user: UserView) -> Scope:
    return user.access.departments_for("customers:read")


def list_url(params: dict[str, str], **changes: str | None) -> str:
    """The customers page's address for `params` with `changes` (None: removed)."""
    merged = {**params, **changes}
    shown = {k: v for k, v in merged.items() if v}
    return f"/customers?{urlencode(shown)}" if shown else "/customers"


def _sort_links(query: CustomerQuery) -> dict[str, dict[str, str]]:
    """Per sortable column: the address that sorts by it (the current one: the other way) and
    its aria-sort."""
    params = query.params()
    links = {}
    for key in SORTABLE:
        is_current = query.sort == key
        flip = "asc" if is_current and query.is_descending else "desc"
        direction = flip if is_current else "asc"
        aria = "none"
        if is_current:
            aria = "descending" if query.is_descending else "ascending"
        links[key] = {
            "href": list_url(params, sort=key, direction=direction, cursor=None),
            "aria_sort": aria,
        }
    return links


def _departments(session: Session, scope: Scope) -> list[str]:
    names = select(Department.name).order_by(col(Department.name))
    return list(session.exec(where_within(names, Department.name, scope)).all())


def _choices(session: Session) -> dict[str, list[str]]:
    """What the filters offer: the scoring ruleset's tiers and flags, the options of the
    customer form's `industry` field (none before a template is imported)."""
    try:
        ruleset = specs.scoring_ruleset(session)
        tiers = [str(t) for t in ruleset.meta.get("tiers") or ()]
        flags = list(ruleset.value.flags)
    except NotConfiguredError:
        tiers, flags = [], []
    try:
        industry = specs.customer_form(session).value.field("industry")
    except NotConfiguredError:
        industry = None
    options = [str(o) for o in industry.options or ()] if industry is not None else []
    return {"tiers": tiers, "flags": flags, "industries": options}


@router.get("/customers")
def customers_page(
    request: Request,
    user: PageReader,
    database: DbDep,
    hx: HxRequest,
    query: CustomerQueryDep,
    language: PageLanguageDep,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    scope = _scope(user)
    with database.transaction() as session:
        page = list_customers(session, query=query, cursor=cursor, limit=PAGE_SIZE, scope=scope)
        choices = _choices(session)
        departments = _departments(session, scope)
        views = list_saved_views(session, user.name)
    params = query.params()
    context: dict[str, Any] = {
        "customers": page.items,
        "total": page.total,
        "total_text": ngettext(
            language,
            "%(total)s customer",
            "%(total)s customers",
            page.total or 0,
            total=f"{page.total or 0:,}",
        ),
        "next_cursor": page.next_cursor,
        "next_url": list_url(params, cursor=page.next_cursor) if page.next_cursor else None,
        "previous_url": (
            list_url(params, cursor=page.previous_cursor) if page.previous_cursor else None
        ),
        "query": query,
        "params": params,
        "tier": query.tier,
        "search": query.search or "",
        **choices,
        "departments": departments,
        # the severities an alert filter may name, with their words (web.pages_alerts)
        "severity_names": {s: gettext(language, SEVERITIES[s]) for s in ALERT_CHOICES[2:]},
        "sort_links": _sort_links(query),
        "views": [{"id": v.id, "name": v.name, "url": list_url(v.params)} for v in views],
        "export_csv": "/customer-export?" + urlencode({**params, "format": "csv"}),
        "export_xlsx": "/customer-export?" + urlencode({**params, "format": "xlsx"}),
    }
    return render(request, "customers.html", context, block="results" if hx else None)


@router.get("/customer-export")
def customers_export(
    user: PageReader,
    database: DbDep,
    query: CustomerQueryDep,
    language: PageLanguageDep,
    file_format: Annotated[str, Query(alias="format", max_length=10)] = "csv",
) -> Response:
    gettext = translator(language).gettext
    with database.transaction() as session:
        export = export_customers(
            session,
            query,
            file_format=file_format,
            viewer=user,
            scope=_scope(user),
            say=lambda text: text.in_language(language, gettext),
        )
    headers = {
        "Content-Disposition": f'attachment; filename="{export.filename}"',
        "X-Export-Rows": str(export.rows),
        "X-Export-Capped": "true" if export.is_capped else "false",
    }
    return Response(export.content, media_type=export.media_type, headers=headers)


@router.post("/customers/views")
async def save_customer_view(
    request: Request,
    user: PageReader,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    name: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Csrf = "",
) -> Response:
    """Save the list the form's hidden fields describe as the user's view `name`, then show
    it."""
    check_csrf(session, csrf_token)
    form = await request.form()
    params = {
        k: v for k, v in form.items() if isinstance(v, str) and k not in ("name", "csrf_token")
    }
    query = customer_query(params)
    with database.transaction() as db:
        save_view(db, user.name, name, query, now=now)
    return RedirectResponse(list_url(query.params()), status_code=303)


@router.post("/customers/views/{view_id}/delete")
def delete_customer_view(
    view_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    user: PageReader,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(session, csrf_token)
    with database.transaction() as db:
        delete_view(db, user.name, view_id, now=now)
    return RedirectResponse("/customers", status_code=303)
