"""What every definition editor's page does the same way (the rules editor, the workflow
editor): save the typed text as the draft, and publish the saved draft (now, at an effective
time, or by asking for approval when the template's governance says so).

Saving keeps the draft even with errors and refuses a stale one (the checksum the editor
started from) with the editor again, the typed text kept (409). Publishing needs
`specs:publish`; the form carries the checksum of the draft the editor showed, so a draft
changed since is refused, never published unseen; a refusal comes back on the editor with its
status and the typed comment kept. Each editor passes its own context builder and template.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from engine.db import Database
from engine.drafts import list_versions, save_draft
from engine.errors import (
    N_,
    ConflictError,
    DataValidationError,
    EngineError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from engine.models import SpecKind
from engine.publishing import publish_draft
from engine.users import UserView
from forms import path_text
from web.errors import engine_detail
from web.i18n import translator
from web.pages import render

PUBLISH = "specs:publish"

# (session, source=..., checksum=..., **what the page says) -> the editor's context
EditorContext = Callable[..., dict[str, Any]]


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


def status_of(exc: EngineError) -> int:
    """The status a page answers a refusal with."""
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    return 422


def require_publisher(user: UserView) -> None:
    """Raises PermissionDeniedError unless `user` holds specs:publish somewhere."""
    if not user.access.can_anywhere(PUBLISH):
        raise PermissionDeniedError(
            N_("this needs the permission %(permission)s"), permission=PUBLISH
        )


def save_from_page(
    request: Request,
    *,
    kind: SpecKind,
    key: str,
    source: str,
    expected_checksum: str,
    user: UserView,
    database: Database,
    now: datetime,
    language: str,
    editor: EditorContext,
    template: str,
    editor_url: str,
) -> Response:
    """Save `source` as the draft of (kind, key), errors and all, then back to `editor_url`
    (303). A draft changed meanwhile: the editor again with the text and the conflict (409)."""
    try:
        with database.transaction() as session:
            list_versions(session, kind, key)  # an unknown key: 404, nothing saved
            save_draft(
                session,
                kind,
                key,
                source,
                actor=user.name,
                now=now,
                expected_checksum=expected_checksum or None,
            )
    except ConflictError as exc:
        with database.transaction() as session:
            context = editor(
                session,
                source=source,
                checksum=expected_checksum,
                error=engine_detail(exc, language),
            )
        return render(request, template, context, status_code=409)
    return RedirectResponse(f"{editor_url}?saved=1", status_code=303)


def publish_from_page(
    request: Request,
    *,
    kind: SpecKind,
    key: str,
    comment: str,
    effective_at: str,
    expected_checksum: str,
    user: UserView,
    database: Database,
    tz: tzinfo,
    now: datetime,
    language: str,
    editor: EditorContext,
    template: str,
    editor_url: str,
    mapping: object = None,
) -> Response:
    """Publish the draft the editor showed (a form's with the `mapping` chosen on the page):
    back to `editor_url` saying what happened (303), to the approval case when one was opened,
    or the editor with the refusal, comment kept."""
    try:
        require_publisher(user)
        moment = effective_time(effective_at, tz)
        with database.transaction() as session:
            outcome = publish_draft(
                session,
                kind,
                key,
                comment=comment,
                effective_at=moment,
                actor=user.name,
                now=now,
                expected_checksum=expected_checksum or None,
                mapping=mapping,
            )
    except EngineError as exc:
        with database.transaction() as session:
            context = editor(
                session,
                publish_error=_refusal(exc, language),
                publish_comment=comment,
                publish_effective_at=effective_at,
            )
        return render(request, template, context, status_code=status_of(exc))
    if outcome.case_id is not None:
        return RedirectResponse(f"/cases/{outcome.case_id}", status_code=303)
    return RedirectResponse(f"{editor_url}?{outcome.status}={outcome.version}", status_code=303)


def _refusal(exc: EngineError, language: str) -> str:
    """The refusal's sentence, with each problem of a data error (a form's mapping) after it."""
    detail = engine_detail(exc, language)
    if isinstance(exc, DataValidationError):
        translate = translator(language).gettext
        parts = [f"{path_text(e.path)}: {e.message_in(language, translate)}" for e in exc.errors]
        return " ".join([detail + ":", *parts])
    return detail


def notice_of(
    *, saved: bool, published: int | None, scheduled: int | None
) -> tuple[str, int | None] | None:
    """What the editor's last form did, from its query (`?saved=1`, `?published=N`, ...)."""
    if published:
        return ("published", published)
    if scheduled:
        return ("scheduled", scheduled)
    if saved:
        return ("saved", None)
    return None


__all__ = [
    "PUBLISH",
    "EditorContext",
    "effective_time",
    "notice_of",
    "publish_from_page",
    "require_publisher",
    "save_from_page",
    "status_of",
]
