"""The rules editor's publish panel: publish the saved draft with a comment, now or at an
effective time (engine.publishing), which starts a rescore of the whole portfolio once it is
published.

Publishing needs `specs:publish`. The form carries the checksum of the draft the editor showed,
so a draft changed since is refused, never published unseen. A refusal comes back on the editor
with its status and the typed comment kept.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from engine.errors import (
    N_,
    ConflictError,
    EngineError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from engine.publishing import publish_draft
from engine.users import UserView
from web.deps import DbDep, NowDep, PageSession, SettingsDep
from web.errors import engine_detail
from web.i18n import PageLanguageDep
from web.pages import check_csrf, render
from web.pages_rules import Checksum, Csrf, Key, PageSpecEditor
from web.rules_views import RULESET, editor_context

router = APIRouter(include_in_schema=False)

PUBLISH = "specs:publish"


def effective_time(text: str, tz: tzinfo) -> datetime | None:
    """The moment typed in the form's `datetime-local` field (read in the workspace's zone when
    it names none); None when empty. Raises InvalidRequestError for anything else."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError(
            N_("the effective time is not a date and time (YYYY-MM-DDTHH:MM): %(text)s"),
            text=text,
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _status(exc: EngineError) -> int:
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    return 422


def _require_publisher(user: UserView) -> None:
    if not user.access.can_anywhere(PUBLISH):
        raise PermissionDeniedError(
            N_("this needs the permission %(permission)s"), permission=PUBLISH
        )


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
    comment: Annotated[str, Form(max_length=2000)] = "",
    effective_at: Annotated[str, Form(max_length=40)] = "",
    expected_checksum: Checksum = "",
    csrf_token: Csrf = "",
) -> Response:
    """Publish the draft the editor showed: back to the editor saying what happened (303), or
    the editor with the refusal and the comment kept."""
    check_csrf(session, csrf_token)
    try:
        _require_publisher(user)
        moment = effective_time(effective_at, settings.tz)
        with database.transaction() as db_session:
            outcome = publish_draft(
                db_session,
                RULESET,
                key,
                comment=comment,
                effective_at=moment,
                actor=user.name,
                now=now,
                expected_checksum=expected_checksum or None,
            )
    except EngineError as exc:
        with database.transaction() as db_session:
            context = editor_context(
                db_session,
                key,
                user,
                language,
                publish_error=engine_detail(exc, language),
                publish_comment=comment,
                publish_effective_at=effective_at,
            )
        return render(request, "rules_editor.html", context, status_code=_status(exc))
    if outcome.case_id is not None:
        return RedirectResponse(f"/cases/{outcome.case_id}", status_code=303)
    return RedirectResponse(f"/rules/{key}?{outcome.status}={outcome.version}", status_code=303)
