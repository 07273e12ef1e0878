"""The workflow pages: the list of published workflows, one workflow (its diagram and source),
and its editor (the YAML with live diagnostics beside the diagram, saving the draft,
publishing it like a ruleset).

Only holders of `specs:edit` use them, as the rules editor. Checking the text as it is typed
(`POST /workflows/{key}/check`, htmx) saves nothing and answers the `diagnostics` block of
`workflow_editor.html`, with the diagram of the text swapped in beside it when the text loads.
Saving and publishing are every editor's (web.draft_pages). What the pages show is built in
web.workflow_page_views.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from engine.drafts import list_versions
from engine.users import UserView
from web.deps import DbDep, HxRequest, NowDep, PageSession, SettingsDep
from web.draft_pages import EditorContext, notice_of, publish_from_page, save_from_page
from web.draft_views import typed_text
from web.i18n import PageLanguageDep
from web.pages import check_csrf, render
from web.pages_rules import Checksum, Csrf, Key, PageSpecEditor, Source
from web.pages_rules_publish import Comment, EffectiveAt
from web.workflow_page_views import (
    WORKFLOW,
    checked_context,
    editor_context,
    workflow_context,
    workflows_context,
)

router = APIRouter(include_in_schema=False)

EDITOR = "workflow_editor.html"
VersionNotice = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@router.get("/workflows")
def workflows_page(request: Request, user: PageSpecEditor, database: DbDep) -> Response:
    with database.transaction() as session:
        context = workflows_context(session)
    return render(request, "workflows.html", context)


@router.get("/workflows/{key}")
def workflow_page(
    request: Request, key: Key, user: PageSpecEditor, database: DbDep, language: PageLanguageDep
) -> Response:
    """The published version: its diagram and its source."""
    with database.transaction() as session:
        context = workflow_context(session, key, language)
    return render(request, "workflow.html", context)


@router.get("/workflows/{key}/edit")
def workflow_editor_page(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    database: DbDep,
    language: PageLanguageDep,
    saved: bool = False,
    published: VersionNotice = None,
    scheduled: VersionNotice = None,
) -> Response:
    """The editor; `saved`, `published` or `scheduled` (a version) say what the last form did."""
    notice = notice_of(saved=saved, published=published, scheduled=scheduled)
    with database.transaction() as session:
        context = editor_context(session, key, user, language, notice=notice)
    return render(request, EDITOR, context)


@router.post("/workflows/{key}/check")
def workflow_check(
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
    """What the template import would find in the typed text, which is not saved, and its
    diagram: the `diagnostics` block for htmx, else the editor holding the text."""
    check_csrf(session, csrf_token)
    source = typed_text(source)
    with database.transaction() as db_session:
        if hx:
            list_versions(db_session, WORKFLOW, key)  # an unknown key: 404
            context = checked_context(db_session, key, source, language)
            return render(request, EDITOR, context, block="diagnostics")
        context = editor_context(
            db_session, key, user, language, source=source, checksum=expected_checksum
        )
    return render(request, EDITOR, context)


def _editor(key: str, user: UserView, language: str) -> EditorContext:
    def editor(db_session: Session, **extra: Any) -> dict[str, Any]:
        return editor_context(db_session, key, user, language, **extra)

    return editor


@router.post("/workflows/{key}/draft")
def workflow_save(
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
    """Save the typed text as the draft, errors and all, then back to the editor (303); a draft
    changed meanwhile: the editor again with the text and the conflict (409)."""
    check_csrf(session, csrf_token)
    return save_from_page(
        request,
        kind=WORKFLOW,
        key=key,
        source=typed_text(source),
        expected_checksum=expected_checksum,
        user=user,
        database=database,
        now=now,
        language=language,
        editor=_editor(key, user, language),
        template=EDITOR,
        editor_url=f"/workflows/{key}/edit",
    )


@router.post("/workflows/{key}/publish")
def workflow_publish(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: PageLanguageDep,
    comment: Comment = "",
    effective_at: EffectiveAt = "",
    expected_checksum: Checksum = "",
    csrf_token: Csrf = "",
) -> Response:
    """Publish the draft the editor showed, as the rules editor does (specs:publish, four eyes
    when the template's governance asks for approval)."""
    check_csrf(session, csrf_token)
    return publish_from_page(
        request,
        kind=WORKFLOW,
        key=key,
        comment=comment,
        effective_at=effective_at,
        expected_checksum=expected_checksum,
        user=user,
        database=database,
        tz=settings.tz,
        now=now,
        language=language,
        editor=_editor(key, user, language),
        template=EDITOR,
        editor_url=f"/workflows/{key}/edit",
    )
