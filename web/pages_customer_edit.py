"""The customer edit page: the published customer form rendered by section, checked as one
types (htmx posts the form to `/edit/check` and swaps its fields block, errors inline), saved
as a partial update stamped `page` (engine.customer_edit).

It needs `customers:write` in the customer's department. A refused save shows the form again
with every error beside its field and what was typed kept; a customer changed meanwhile (its
row version) is a 409 with the same form.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from engine.customer_edit import check_edit, edit_form, posted_fields, save_edit
from engine.errors import DataValidationError, EngineError, NotFoundError
from engine.scoping import Scope
from engine.users import UserView
from web.deps import DbDep, NowDep, PageCustomerWriter, PageSession, SettingsDep
from web.errors import problem_for
from web.i18n import PageLanguageDep
from web.pages import check_csrf, render

router = APIRouter(include_in_schema=False)

# the most fields one post may carry: a form's fields, a checkbox per option, the token
MAX_POSTED_FIELDS = 500
FIELDS_BLOCK = "fields"


async def _posted(request: Request) -> FormData:
    """The posted form (its body's size is bounded by web.middleware), parsed once."""
    return await request.form(max_fields=MAX_POSTED_FIELDS)


PostedForm = Annotated[FormData, Depends(_posted)]


def _write_scope(user: UserView) -> Scope:
    return user.access.departments_for("customers:write")


def _by_field(errors: list[dict[str, str]]) -> dict[str, tuple[str, ...]]:
    """Input id → its messages, from a problem's errors (paths `data.FIELD` or `FIELD`; inside
    a group `GROUP.SUB`, `GROUP[INDEX].SUB` as the input `GROUP.INDEX.SUB`)."""
    found: dict[str, list[str]] = {}
    for item in errors:
        path = str(item.get("path", "")).removeprefix("data.").removeprefix("data")
        field_id = _ITEM_INDEX.sub(r".\1", path)
        found.setdefault(field_id, []).append(str(item.get("message", "")))
    return {k: tuple(v) for k, v in found.items()}


_ITEM_INDEX = re.compile(r"\[(\d+)\]")


def _page(
    request: Request,
    ref: str,
    user: UserView,
    *,
    database: DbDep,
    language: str,
    posted: FormData | None = None,
    errors: dict[str, tuple[str, ...]] | None = None,
    problem: str | None = None,
    block: str | None = None,
    status_code: int = 200,
    as_of: date | None = None,
    action: str | None = None,
) -> Response:
    raw = posted_fields(posted) if posted is not None else None
    with database.transaction() as session:
        edit = edit_form(
            session,
            ref,
            viewer=user,
            scope=_write_scope(user),
            language=language,
            raw=raw,
            errors=errors,
            as_of=as_of,
            action=action,
        )
    context = {"edit": edit, "problem": problem, "checked": errors is not None}
    return render(request, "customer_edit.html", context, block=block, status_code=status_code)


@router.get("/customers/{ref}/edit")
def edit_page(
    request: Request,
    ref: str,
    user: PageCustomerWriter,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: PageLanguageDep,
) -> Response:
    today = now.astimezone(settings.tz).date()
    return _page(request, ref, user, database=database, language=language, as_of=today)


@router.post("/customers/{ref}/edit/check")
def check_page(
    request: Request,
    ref: str,
    user: PageCustomerWriter,
    session: PageSession,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: PageLanguageDep,
    posted: PostedForm,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The fields block with the errors the posted values would have, the fields their
    conditions show and require, what they compute (nothing stored)."""
    check_csrf(session, csrf_token)
    today = now.astimezone(settings.tz).date()
    with database.transaction() as db_session:
        found = check_edit(
            db_session, ref, posted_fields(posted), viewer=user, scope=_write_scope(user),
            as_of=today,
        )  # fmt: skip
    problem = problem_for(DataValidationError(found), language) if found else None
    return _page(
        request, ref, user, database=database, language=language, posted=posted,
        errors=_by_field(problem.errors or [] if problem else []), block=FIELDS_BLOCK,
        as_of=today,
    )  # fmt: skip


@router.post("/customers/{ref}/edit")
def save_page(
    request: Request,
    ref: str,
    user: PageCustomerWriter,
    session: PageSession,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: PageLanguageDep,
    posted: PostedForm,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    expected_version: Annotated[int | None, Form()] = None,
    group_action: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    if group_action:  # a list group's Add or Remove button: the form again, nothing saved
        return _page(
            request, ref, user, database=database, language=language, posted=posted,
            action=group_action, as_of=now.astimezone(settings.tz).date(),
        )  # fmt: skip
    try:
        with database.transaction() as db_session:
            save_edit(
                db_session,
                ref,
                posted_fields(posted),
                actor=user.name,
                viewer=user,
                scope=_write_scope(user),
                expected_version=expected_version,
                now=now,
                tz=settings.tz,
            )
    except NotFoundError:
        raise
    except EngineError as exc:
        problem = problem_for(exc, language)
        return _page(
            request, ref, user, database=database, language=language, posted=posted,
            errors=_by_field(problem.errors or []), problem=problem.detail,
            status_code=problem.status, as_of=now.astimezone(settings.tz).date(),
        )  # fmt: skip
    return RedirectResponse(f"/customers/{quote(ref, safe='')}", status_code=303)
