"""The form editor page: the YAML of a form with live diagnostics, saving the draft, and
publishing it as every editor does (web.draft_pages), with the draft's impact on stored
customers and the mapping chosen for each removed or narrowed field (docs/forms.md,
"Versions"). Only holders of `specs:edit` use it; publishing needs `specs:publish`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from engine.drafts import check_source, list_versions
from engine.models import SpecKind
from engine.users import UserView
from web.deps import DbDep, HxRequest, NowDep, PageSession, SettingsDep
from web.draft_pages import EditorContext, notice_of, publish_from_page, save_from_page
from web.draft_views import checked_context, typed_text
from web.form_page_views import editor_context, posted_mapping
from web.i18n import PageLanguageDep
from web.pages import check_csrf, render
from web.pages_rules import Checksum, Csrf, Key, PageSpecEditor, Source
from web.pages_rules_publish import Comment, EffectiveAt

router = APIRouter(include_in_schema=False)

FORM = SpecKind.FORM
EDITOR = "form_editor.html"
VersionNotice = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


async def _posted_form(request: Request) -> dict[str, Any]:
    """The posted form's fields (the mapping's names are the form's field ids)."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


PostedForm = Annotated[dict[str, Any], Depends(_posted_form)]


@router.get("/forms/{key}/edit")
def form_editor_page(
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


@router.post("/forms/{key}/check")
def form_check(
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
        list_versions(db_session, FORM, key)  # an unknown key: 404
        if hx:
            found = check_source(db_session, FORM, key, source)
            context = checked_context(key, source, language, found)
            return render(request, EDITOR, context, block="diagnostics")
        context = editor_context(
            db_session, key, user, language, source=source, checksum=expected_checksum
        )
    return render(request, EDITOR, context)


def _editor(key: str, user: UserView, language: str, **kept: Any) -> EditorContext:
    def editor(db_session: Session, **extra: Any) -> dict[str, Any]:
        return editor_context(db_session, key, user, language, **kept, **extra)

    return editor


@router.post("/forms/{key}/draft")
def form_save(
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
    """Save the typed text as the draft, errors and all, then back to the editor (303)."""
    check_csrf(session, csrf_token)
    return save_from_page(
        request, kind=FORM, key=key, source=typed_text(source),
        expected_checksum=expected_checksum, user=user, database=database, now=now,
        language=language, editor=_editor(key, user, language), template=EDITOR,
        editor_url=f"/forms/{key}/edit",
    )  # fmt: skip


@router.post("/forms/{key}/publish")
def form_publish(
    request: Request,
    key: Key,
    user: PageSpecEditor,
    session: PageSession,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: PageLanguageDep,
    posted: PostedForm,
    comment: Comment = "",
    effective_at: EffectiveAt = "",
    expected_checksum: Checksum = "",
    csrf_token: Csrf = "",
) -> Response:
    """Publish the draft the editor showed with the mapping chosen for each field listed in its
    impact (specs:publish; four eyes when the template's governance asks for approval)."""
    check_csrf(session, csrf_token)
    fields = tuple(name.removeprefix("action.") for name in posted if name.startswith("action."))[
        :500
    ]
    mapping = posted_mapping(posted, fields)
    return publish_from_page(
        request, kind=FORM, key=key, comment=comment, effective_at=effective_at,
        expected_checksum=expected_checksum, user=user, database=database, tz=settings.tz,
        now=now, language=language, editor=_editor(key, user, language, chosen=posted),
        template=EDITOR, editor_url=f"/forms/{key}/edit", mapping=mapping,
    )  # fmt: skip
