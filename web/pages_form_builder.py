"""The form builder's page (`specs:edit`): a form's fields listed in order, a field editor with
every option, a group's editor with its sub-fields (each edited as a field is, with the options a
sub-field takes), a live preview of the form it renders, and one form post per change (save a
field or a sub-field, move it, remove it), each saved as the form's draft (engine.form_builder).

Each change carries the draft's checksum as the page showed it: a draft changed meanwhile is a
409 with the builder shown again. Publishing goes through the form's draft (docs/forms.md).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from engine.errors import ConflictError
from engine.form_builder import (
    Change,
    FormBuilder,
    change_form,
    field_moved,
    field_removed,
    field_saved,
    form_builder,
    previewed,
)
from engine.users import UserView
from web.deps import DbDep, NowDep, PageSession
from web.draft_views import DiagnosticRow, diagnostic_rows
from web.errors import engine_detail
from web.i18n import PageLanguageDep
from web.pages import check_csrf, render
from web.pages_rules import Checksum, Csrf, Key, PageSpecEditor

router = APIRouter(include_in_schema=False)

FieldId = Annotated[str, Path(max_length=200)]
# a posted input `f.NAME` is the field editor's input NAME (forms.builder.field_from_inputs)
INPUT_PREFIX = "f."
MAX_INPUT_LENGTH = 20_000
MAX_POSTED_FIELDS = 60
PREVIEW_BLOCK = "preview"


async def _posted(request: Request) -> FormData:
    """The posted form (its body's size is bounded by web.middleware), parsed once."""
    return await request.form(max_fields=MAX_POSTED_FIELDS)


PostedForm = Annotated[FormData, Depends(_posted)]


def _inputs(posted: FormData) -> dict[str, str]:
    return {
        key.removeprefix(INPUT_PREFIX): value[:MAX_INPUT_LENGTH]
        for key, value in posted.items()
        if key.startswith(INPUT_PREFIX) and isinstance(value, str)
    }


# where the builder goes after a change: the field (and the sub-field of it) to show, or None
Then = tuple[str | None, str | None]
NOWHERE: Then = (None, None)


def _url(key: str, then: Then) -> str:
    field_id, sub_id = then
    base = f"/forms/{key}/builder"
    if not field_id:
        return base
    url = f"{base}?field={quote(field_id, safe='')}"
    return f"{url}&sub={quote(sub_id, safe='')}" if sub_id else url


def _problem_rows(builder: FormBuilder, language: str) -> dict[str, list[DiagnosticRow]]:
    """What the check found at each field and sub-field, by its path (`contacts.phone`)."""
    rows: dict[str, list[DiagnosticRow]] = {}
    for f in builder.fields:
        for shown in (f, *f.sub_fields):
            if shown.problems:
                rows[shown.path] = diagnostic_rows(shown.problems, builder.source, language)
    return rows


def _page(
    request: Request,
    key: str,
    *,
    database: DbDep,
    language: str,
    editing: Then,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    with database.transaction() as session:
        builder = form_builder(session, key, language=language)
    current = builder.field(editing[0])
    sub = current.sub_field(editing[1]) if current is not None else None
    context = {
        "builder": builder,
        "diagnostics": diagnostic_rows(builder.diagnostics, builder.source, language),
        "problems": _problem_rows(builder, language),
        "editing": current,
        "inputs": current.inputs if current else {"type": "text"},
        "editing_sub": sub,
        "sub_inputs": sub.inputs if sub else {"type": "text"},
        "error": error,
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "form_builder.html", context, status_code=status_code)


@router.get("/forms/{key}/builder")
def builder_page(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    database: DbDep,
    language: PageLanguageDep,
    field: Annotated[str | None, Query(max_length=200)] = None,
    sub: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    return _page(request, key, database=database, language=language, editing=(field, sub))


@router.post("/forms/{key}/builder/preview")
def preview_field(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    language: PageLanguageDep,
    posted: PostedForm,
    csrf_token: Csrf = "",
    original: Annotated[str, Form(max_length=200)] = "",
    parent: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The preview block of the form with the field editor's field (a sub-field of group
    `parent`, when given) in it (nothing saved)."""
    check_csrf(session, csrf_token)
    with database.transaction() as db_session:
        builder = previewed(
            db_session, key, _inputs(posted), replacing=original or None, language=language,
            parent=parent or None,
        )  # fmt: skip
    context = {
        "builder": builder,
        "diagnostics": diagnostic_rows(builder.diagnostics, builder.source, language),
    }
    return render(request, "form_builder.html", context, block=PREVIEW_BLOCK)


def _changed(
    request: Request,
    key: str,
    change: Change,
    *,
    user: UserView,
    database: DbDep,
    now: NowDep,
    language: str,
    checksum: str,
    then: Then,
) -> Response:
    try:
        with database.transaction() as db_session:
            change_form(
                db_session,
                key,
                change,
                actor=user.name,
                now=now,
                expected_checksum=checksum or None,
            )
    except ConflictError as exc:
        return _page(
            request, key, database=database, language=language, editing=then,
            error=engine_detail(exc, language), status_code=409,
        )  # fmt: skip
    target = _url(key, then)
    return RedirectResponse(f"{target}{'&' if '?' in target else '?'}saved=1", status_code=303)


@router.post("/forms/{key}/builder/fields")
def save_field(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    language: PageLanguageDep,
    posted: PostedForm,
    csrf_token: Csrf = "",
    checksum: Checksum = "",
    original: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Add the field editor's field, or replace field `original` with it (its place kept)."""
    check_csrf(session, csrf_token)
    inputs = _inputs(posted)
    return _changed(
        request, key, field_saved(inputs, replacing=original or None),
        user=user, database=database, now=now, language=language, checksum=checksum,
        then=(inputs.get("id", "").strip() or None, None),
    )  # fmt: skip


@router.post("/forms/{key}/builder/fields/{field_id}/move")
def move_field(
    request: Request,
    key: Key,
    field_id: FieldId,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    language: PageLanguageDep,
    direction: Annotated[str, Form(pattern="^(up|down)$")],
    csrf_token: Csrf = "",
    checksum: Checksum = "",
) -> Response:
    check_csrf(session, csrf_token)
    offset = -1 if direction == "up" else 1
    return _changed(
        request, key, field_moved(field_id, offset),
        user=user, database=database, now=now, language=language, checksum=checksum, then=NOWHERE,
    )  # fmt: skip


@router.post("/forms/{key}/builder/fields/{field_id}/delete")
def remove_field(
    request: Request,
    key: Key,
    field_id: FieldId,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    language: PageLanguageDep,
    csrf_token: Csrf = "",
    checksum: Checksum = "",
) -> Response:
    check_csrf(session, csrf_token)
    return _changed(
        request, key, field_removed(field_id),
        user=user, database=database, now=now, language=language, checksum=checksum, then=NOWHERE,
    )  # fmt: skip


# --- a group's sub-fields: the same changes, made inside the group -------------------------------


@router.post("/forms/{key}/builder/fields/{group}/fields")
def save_sub_field(
    request: Request,
    key: Key,
    group: FieldId,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    language: PageLanguageDep,
    posted: PostedForm,
    csrf_token: Csrf = "",
    checksum: Checksum = "",
    original: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Add the sub-field editor's field to group `group`, or replace its sub-field `original`."""
    check_csrf(session, csrf_token)
    inputs = _inputs(posted)
    return _changed(
        request, key, field_saved(inputs, replacing=original or None, parent=group),
        user=user, database=database, now=now, language=language, checksum=checksum,
        then=(group, inputs.get("id", "").strip() or None),
    )  # fmt: skip


@router.post("/forms/{key}/builder/fields/{group}/fields/{sub}/move")
def move_sub_field(
    request: Request,
    key: Key,
    group: FieldId,
    sub: FieldId,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    language: PageLanguageDep,
    direction: Annotated[str, Form(pattern="^(up|down)$")],
    csrf_token: Csrf = "",
    checksum: Checksum = "",
) -> Response:
    check_csrf(session, csrf_token)
    offset = -1 if direction == "up" else 1
    return _changed(
        request, key, field_moved(sub, offset, parent=group),
        user=user, database=database, now=now, language=language, checksum=checksum,
        then=(group, None),
    )  # fmt: skip


@router.post("/forms/{key}/builder/fields/{group}/fields/{sub}/delete")
def remove_sub_field(
    request: Request,
    key: Key,
    group: FieldId,
    sub: FieldId,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    language: PageLanguageDep,
    csrf_token: Csrf = "",
    checksum: Checksum = "",
) -> Response:
    check_csrf(session, csrf_token)
    return _changed(
        request, key, field_removed(sub, parent=group),
        user=user, database=database, now=now, language=language, checksum=checksum,
        then=(group, None),
    )  # fmt: skip
