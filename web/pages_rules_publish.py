"""The rules editor's publish panel: publish the saved draft with a comment, now or at an
effective time (engine.publishing), which starts a rescore of the whole portfolio once it is
published. The flow is every editor's (web.draft_pages): `specs:publish`, the checksum of the
draft the editor showed, a refusal on the editor with the comment kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from web.deps import DbDep, NowDep, PageSession, SettingsDep
from web.draft_pages import PUBLISH, effective_time, publish_from_page
from web.i18n import PageLanguageDep
from web.pages import check_csrf
from web.pages_rules import Checksum, Csrf, Key, PageSpecEditor
from web.rules_views import RULESET, editor_context

router = APIRouter(include_in_schema=False)

Comment = Annotated[str, Form(max_length=2000)]
EffectiveAt = Annotated[str, Form(max_length=40)]


@router.post("/rules/{key}/publish")
def rules_publish(
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
    """Publish the draft the editor showed: back to the editor saying what happened (303), or
    the editor with the refusal and the comment kept."""
    check_csrf(session, csrf_token)

    def editor(db_session: Session, **extra: Any) -> dict[str, Any]:
        return editor_context(db_session, key, user, language, **extra)

    return publish_from_page(
        request,
        kind=RULESET,
        key=key,
        comment=comment,
        effective_at=effective_at,
        expected_checksum=expected_checksum,
        user=user,
        database=database,
        tz=settings.tz,
        now=now,
        language=language,
        editor=editor,
        template="rules_editor.html",
        editor_url=f"/rules/{key}",
    )


__all__ = ["PUBLISH", "Comment", "EffectiveAt", "effective_time", "router", "rules_publish"]
