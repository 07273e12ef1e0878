"""The rules editor pages: the list of rulesets, and one ruleset's editor (its draft with line
numbers and live diagnostics, saving, trying on a customer, its versions and their diffs).

Only holders of `specs:edit` use them. Checking the text as it is typed (`POST /rules/{key}/check`)
saves nothing; saving (`POST /rules/{key}/draft`) keeps the draft even with errors and refuses a
stale one (the checksum it started from) with a message, keeping the text typed. Trying runs the
saved draft on a customer of the editor's departments. An htmx request gets the named block of
`rules_editor.html` only, always with status 200 (htmx swaps no 4xx answer): a refusal is shown
inside that block; without htmx, the whole page comes back with the refusal's status. What the
pages show is built in web.rules_views.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from engine.drafts import (
    TryResult,
    check_source,
    diff_version,
    list_versions,
    try_draft,
)
from engine.errors import EngineError, NotFoundError
from engine.users import UserView
from web.deps import DbDep, HxRequest, NowDep, PageSession, SettingsDep, page_require
from web.draft_pages import notice_of, save_from_page
from web.errors import engine_detail
from web.i18n import PageLanguageDep
from web.pages import check_csrf, render
from web.rules_views import (
    RULESET,
    checked_context,
    diff_lines,
    editor_context,
    rulesets,
    typed_text,
)

router = APIRouter(include_in_schema=False)

PageSpecEditor = Annotated[UserView, Depends(page_require("specs:edit"))]
Key = Annotated[str, Path(pattern="^[a-z][a-z0-9_]*$", max_length=200)]
# A rules text as posted by the editor: the body limit (web.middleware) bounds it too.
Source = Annotated[str, Form(max_length=500_000)]
Csrf = Annotated[str, Form(max_length=200)]
Checksum = Annotated[str, Form(max_length=64)]


# --- the list ----------------------------------------------------------------------------------


@router.get("/rules")
def rules_page(request: Request, user: PageSpecEditor, database: DbDep) -> Response:
    with database.transaction() as session:
        rows = rulesets(session)
    return render(request, "rules.html", {"rulesets": rows})


# --- the editor --------------------------------------------------------------------------------


@router.get("/rules/{key}")
def rules_editor_page(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    database: DbDep,
    language: PageLanguageDep,
    saved: bool = False,
    published: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    scheduled: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """The editor; `saved`, `published` or `scheduled` (a version) say what the last form did."""
    notice = notice_of(saved=saved, published=published, scheduled=scheduled)
    with database.transaction() as session:
        context = editor_context(session, key, user, language, notice=notice)
    return render(request, "rules_editor.html", context)


@router.post("/rules/{key}/check")
def rules_check(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    language: PageLanguageDep,
    hx: HxRequest,
    source: Source = "",
    csrf_token: Csrf = "",
    expected_checksum: Checksum = "",
) -> Response:
    """What the template import would find in the typed text, which is not saved: the
    `diagnostics` block for htmx, else the editor holding the text."""
    check_csrf(session, csrf_token)
    source = typed_text(source)
    with database.transaction() as db_session:
        if hx:
            list_versions(db_session, RULESET, key)  # an unknown key: 404
            found = check_source(db_session, RULESET, key, source)
            context = checked_context(key, source, language, found)
            return render(request, "rules_editor.html", context, block="diagnostics")
        context = editor_context(
            db_session, key, user, language, source=source, checksum=expected_checksum
        )
    return render(request, "rules_editor.html", context)


@router.post("/rules/{key}/draft")
def rules_save(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    now: NowDep,
    language: PageLanguageDep,
    source: Source = "",
    csrf_token: Csrf = "",
    expected_checksum: Checksum = "",
) -> Response:
    """Save the typed text as the draft, errors and all, then back to the editor (303). A draft
    changed meanwhile: the editor again with the typed text and the conflict said (409)."""
    check_csrf(session, csrf_token)

    def editor(db_session: Session, **extra: Any) -> dict[str, Any]:
        return editor_context(db_session, key, user, language, **extra)

    return save_from_page(
        request,
        kind=RULESET,
        key=key,
        source=typed_text(source),
        expected_checksum=expected_checksum,
        user=user,
        database=database,
        now=now,
        language=language,
        editor=editor,
        template="rules_editor.html",
        editor_url=f"/rules/{key}",
    )


@router.post("/rules/{key}/try")
def rules_try(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: PageLanguageDep,
    hx: HxRequest,
    customer_ref: Annotated[str, Form(max_length=200)] = "",
    as_of: Annotated[date | None, Form()] = None,
    csrf_token: Csrf = "",
) -> Response:
    """The saved draft and the published ruleset side by side on one customer (nothing is
    written): the `try` block for htmx, else the editor with the result."""
    check_csrf(session, csrf_token)
    ref = customer_ref.strip()
    day = as_of or now.astimezone(settings.tz).date()
    result: TryResult | None = None
    error: str | None = None
    status = 200
    with database.transaction() as db_session:
        try:
            result = try_draft(
                db_session,
                key,
                ref,
                as_of=day,
                scope=user.access.departments_for("customers:read"),
                tz=settings.tz,
            )
        except EngineError as exc:
            error = engine_detail(exc, language)
            status = 404 if isinstance(exc, NotFoundError) else 422
        context = editor_context(
            db_session,
            key,
            user,
            language,
            try_result=result,
            try_error=error,
            customer_ref=ref,
            as_of=day,
        )
    if hx:
        return render(request, "rules_editor.html", context, block="try")
    return render(request, "rules_editor.html", context, status_code=status)


@router.get("/rules/{key}/versions/{version}/diff")
def rules_diff(
    request: Request,
    key: Key,
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
    user: PageSpecEditor,
    database: DbDep,
    language: PageLanguageDep,
    hx: HxRequest,
) -> Response:
    """Version `version` against the published one, lines coloured: the `diff` block for
    htmx, else the editor showing it."""
    with database.transaction() as db_session:
        diff = diff_version(db_session, RULESET, key, version)
        context = editor_context(
            db_session,
            key,
            user,
            language,
            diff={"version": version, "lines": diff_lines(diff)},
        )
    return render(request, "rules_editor.html", context, block="diff" if hx else None)
