"""What the import API and the import page share: an uploaded file read within its bound, and
the import queued for the caller within the departments they may write."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any, Final

from fastapi import Response, UploadFile

import forms
from engine.db import Database
from engine.errors import N_, InvalidRequestError, PermissionDeniedError
from engine.import_jobs import ImportView, get_import, permission_for, start_import
from engine.users import UserView
from forms import MAX_FILE_BYTES
from web.errors import say

MAPPING_MAX_BYTES: Final = 256 * 1024


def read_upload(file: UploadFile, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The uploaded file's bytes, at most `limit` and one more (forms.read_table refuses an
    import file past its bound in its own words). Raises InvalidRequestError for a mapping file
    past `limit`."""
    content = file.file.read(limit + 1)
    if limit != MAX_FILE_BYTES and len(content) > limit:
        raise InvalidRequestError(
            N_("a mapping file may be at most %(size)d KB"), size=limit // 1024
        )
    return content


def queue_import(
    database: Database,
    user: UserView,
    *,
    kind: str,
    mode: str,
    filename: str,
    content: bytes,
    mapping: tuple[str, str] | None,
    now: datetime,
    tz: tzinfo,
) -> ImportView:
    """Queue the import for `user`, to write within the departments where they hold its kind's
    permission; the import as it now stands (queued). Raises PermissionDeniedError (the user
    holds that permission nowhere), and what engine.import_jobs.start_import raises."""
    permission = permission_for(kind)
    if not user.access.can_anywhere(permission):
        raise PermissionDeniedError(
            N_("this needs the permission %(permission)s"), permission=permission
        )
    scope = user.access.departments_for(permission)
    with database.transaction() as session:
        import_id = start_import(
            session, kind=kind, mode=mode, filename=filename[:255], content=content,
            mapping=mapping, actor=user.name, scope=scope, now=now, tz=tz,
        )  # fmt: skip
        return get_import(session, import_id, reader=user)


def csv_download(name: str, text: str) -> Response:
    """`text` as a CSV file named `name` to download."""
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def said_errors(view: ImportView, language: str) -> list[dict[str, Any]]:
    """The import's row errors {row, column, code, message}, each message in `language` (a
    report stored before the wording was kept says it in English)."""
    return [{**_plain(e), "message": _message(e, language)} for e in view.errors]


def _plain(error: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in error.items() if k != "wording"}


def _message(error: Mapping[str, Any], language: str) -> str:
    wording = error.get("wording")
    if isinstance(wording, Mapping):
        return say(forms.restored_text(wording), language)
    return str(error.get("message", ""))
