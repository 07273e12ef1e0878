"""The pages of cases: the approval inbox (tabs mine, waiting on others, done) and the case page
an approver decides from, with its actions.

Each reads the request, calls engine.case_views (or engine.cases.take_action) in one transaction
and renders one template. An action refused for its input (a missing comment, invalid form data,
four eyes, a case that changed meanwhile) shows the case page again with the error beside the
form and what was typed kept; an unknown case is the error page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from engine import specs
from engine.case_decisions import action_form_data
from engine.case_page_views import CasePage
from engine.case_views import case_page
from engine.cases import take_action
from engine.errors import EngineError, NotFoundError
from engine.inbox import INBOX_TABS, inbox_item, list_inbox
from engine.spec_changes import change_view
from engine.users import UserView
from web.deps import DbDep, HxRequest, NowDep, PageCaseActor, PageReader, PageSession, SettingsDep
from web.errors import problem_for
from web.i18n import PageLanguageDep
from web.pages import PAGE_SIZE, _read_scope, check_csrf, render
from web.workflow_diagram import diagram_markup

router = APIRouter(include_in_schema=False)

# a posted form field `data.FIELD` fills field FIELD of the action's form
DATA_PREFIX = "data."
# the most form fields one action's post may carry (a form has a few; this bounds the parse)
MAX_DATA_FIELDS = 100
MAX_VALUE_LENGTH = 10_000


@router.get("/inbox")
def inbox_page(
    request: Request,
    user: PageReader,
    database: DbDep,
    hx: HxRequest,
    now: NowDep,
    tab: str = "mine",
    cursor: str | None = None,
) -> Response:
    if tab not in INBOX_TABS:
        tab = "mine"
    with database.transaction() as session:
        page = list_inbox(
            session,
            tab,
            access=user.access,
            scope=_read_scope(user),
            actor=user.name,
            now=now,
            cursor=cursor,
            limit=PAGE_SIZE,
        )
    context = {
        "tab": tab,
        "tabs": INBOX_TABS,
        "cases": page.items,
        "next_cursor": page.next_cursor,
        "roles": sorted(user.roles),
    }
    return render(request, "inbox.html", context, block="results" if hx else None)


def _page_of(
    session: Session, case_id: int, user: UserView, *, now: datetime, language: str
) -> CasePage:
    """Case `case_id` as `user` may see and act on it (engine.case_views.case_page)."""
    return case_page(
        session, case_id, access=user.access, scope=_read_scope(user), now=now,
        language=language, actor=user.name,
    )  # fmt: skip


def _case_page(
    request: Request,
    case_id: int,
    user: UserView,
    *,
    database: DbDep,
    now: NowDep,
    language: str,
    error: dict[str, Any] | None = None,
    posted: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    with database.transaction() as session:
        page = _page_of(session, case_id, user, now=now, language=language)
        change = change_view(session, page.case.id) if page.customer is None else None
        case = page.case
        workflow = specs.load_workflow(session, case.workflow_key, case.workflow_version)
    # the workflow drawn with the case's current step highlighted (closed: none)
    diagram = diagram_markup(
        workflow.value,
        highlight=case.step if case.status == "open" else None,
        language=language,
        prefix=f"case{case.id}",
    )
    context = {
        "diagram": diagram,
        "case": page.case,
        "page": page,
        "change": change,
        "error": error,
        "posted": posted or {},
    }
    return render(request, "case.html", context, status_code=status_code)


@router.get("/cases/{case_id}")
def case_page_route(
    request: Request,
    case_id: int,
    user: PageReader,
    database: DbDep,
    now: NowDep,
    language: PageLanguageDep,
) -> Response:
    return _case_page(request, case_id, user, database=database, now=now, language=language)


async def _posted(request: Request) -> FormData:
    """The posted form (its body's size is bounded by web.middleware), parsed once."""
    return await request.form(max_fields=MAX_DATA_FIELDS)


PostedForm = Annotated[FormData, Depends(_posted)]


def _form_data(database: DbDep, case_id: int, action: str, posted: FormData) -> dict[str, Any]:
    raw = {
        key.removeprefix(DATA_PREFIX): value[:MAX_VALUE_LENGTH]
        for key, value in posted.items()
        if key.startswith(DATA_PREFIX) and isinstance(value, str)
    }
    with database.transaction() as session:
        return action_form_data(session, case_id, action, raw)


@router.post("/cases/{case_id}/actions/{action}")
def case_action(
    request: Request,
    case_id: int,
    action: str,
    user: PageCaseActor,
    session: PageSession,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: PageLanguageDep,
    posted: PostedForm,
    hx: HxRequest,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    comment: Annotated[str, Form(max_length=MAX_VALUE_LENGTH)] = "",
    expected_version: Annotated[int | None, Form()] = None,
    from_inbox: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    data = _form_data(database, case_id, action, posted)
    try:
        with database.transaction() as db_session:
            take_action(
                db_session,
                case_id,
                action,
                actor=user.name,
                access=user.access,
                scope=_read_scope(user),
                comment=comment.strip() or None,
                data=data or None,
                expected_version=expected_version,
                now=now,
                tz=settings.tz,
            )
    except NotFoundError:
        raise
    except EngineError as exc:
        problem = problem_for(exc, language)
        error = {"action": action, "detail": problem.detail, "errors": problem.errors or []}
        posted_values = {"action": action, "comment": comment, "data": data}
        if from_inbox and hx:  # said in the inbox's panel, which htmx swaps only on a 200
            return _decide_panel(
                request, case_id, user, database=database, now=now, language=language,
                error=error, posted=posted_values, template="inbox_rows.html",
            )  # fmt: skip
        return _case_page(
            request,
            case_id,
            user,
            database=database,
            now=now,
            language=language,
            error=error,
            posted=posted_values,
            status_code=problem.status,
        )
    if from_inbox and hx:  # the row says what was done, in place of the case
        with database.transaction() as db_session:
            page = _page_of(db_session, case_id, user, now=now, language=language)
        return render(request, "inbox_done.html", {"page": page, "action": action})
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/inbox/cases/{case_id}/decide")
def decide_panel(
    request: Request,
    case_id: int,
    user: PageReader,
    database: DbDep,
    now: NowDep,
    language: PageLanguageDep,
) -> Response:
    """The inbox's panel to act on case `case_id` in place: the reasons, the customer's terms,
    the action forms of its step (htmx loads it when the row is opened)."""
    return _decide_panel(request, case_id, user, database=database, now=now, language=language)


def _decide_panel(
    request: Request,
    case_id: int,
    user: UserView,
    *,
    database: DbDep,
    now: NowDep,
    language: str,
    error: dict[str, Any] | None = None,
    posted: dict[str, Any] | None = None,
    template: str = "inbox_decide.html",
) -> Response:
    with database.transaction() as session:
        page = _page_of(session, case_id, user, now=now, language=language)
        row = inbox_item(session, case_id, now=now)
    context = {"page": page, "c": row, "error": error, "posted": posted or {}}
    return render(request, template, context)
