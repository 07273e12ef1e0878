"""Imports of customers and events from a CSV or XLSX file, run as jobs: start one, follow it,
download its rejected rows, list them (docs/import.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Response, UploadFile
from fastapi.responses import PlainTextResponse

from engine.import_jobs import get_import, list_imports, rejected_file
from engine.pagination import MAX_LIMIT
from web.deps import CurrentUser, DbDep, LanguageDep, NowDep, SettingsDep
from web.import_uploads import MAPPING_MAX_BYTES, csv_download, queue_import, read_upload
from web.schemas_imports import ImportPage, ImportPublic

router = APIRouter(tags=["imports"])

ImportId = Annotated[int, Path(description="the import's id")]


@router.post("/imports", response_model=ImportPublic, status_code=202)
def post_import(
    file: UploadFile,
    user: CurrentUser,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    response: Response,
    kind: Annotated[str, Form(pattern="^(customers|events)$")],
    mode: Annotated[str, Form(pattern="^(all-or-nothing|valid-rows)$")] = "all-or-nothing",
    mapping: UploadFile | None = None,
) -> ImportPublic:
    """Queue the import of `file` as `kind` in `mode`, with an optional `mapping` file; the
    server's sweeps run it. The file, its header and the mapping are checked at once (422 with
    positions, nothing stored); `202` with the import, `Location` its URL."""
    content = read_upload(file)
    mapped = (
        (read_upload(mapping, limit=MAPPING_MAX_BYTES).decode("utf-8", "replace"),
         mapping.filename or "mapping.yaml")
        if mapping is not None and mapping.filename
        else None
    )  # fmt: skip
    view = queue_import(
        database, user, kind=kind, mode=mode, filename=file.filename or "import.csv",
        content=content, mapping=mapped, now=now, tz=settings.tz,
    )  # fmt: skip
    response.headers["Location"] = f"/api/v1/imports/{view.id}"
    return ImportPublic.of(view)


@router.get("/imports/{import_id}", response_model=ImportPublic)
def get_one_import(
    import_id: ImportId, user: CurrentUser, database: DbDep, language: LanguageDep
) -> ImportPublic:
    """An import, its progress and (once done) its report; `404` for an import that is not
    the caller's (nor theirs to read: a holder of its kind's permission everywhere)."""
    with database.transaction() as session:
        return ImportPublic.of(get_import(session, import_id, reader=user), language=language)


@router.get("/imports/{import_id}/rejected.csv", response_class=PlainTextResponse)
def get_rejected(import_id: ImportId, user: CurrentUser, database: DbDep) -> Response:
    """The rejected rows of a finished import, as they were plus a `reason` column: a CSV
    (UTF-8 with BOM) to correct and import again as it is."""
    with database.transaction() as session:
        return csv_download(*rejected_file(session, import_id, reader=user))


@router.get("/imports", response_model=ImportPage)
def get_imports(
    user: CurrentUser,
    database: DbDep,
    language: LanguageDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> ImportPage:
    """The imports the caller may read, newest first, a page at a time."""
    with database.transaction() as session:
        page = list_imports(session, reader=user, cursor=cursor, limit=limit)
    items = [ImportPublic.of(v, language=language) for v in page.items]
    return ImportPage(items=items, next_cursor=page.next_cursor)
