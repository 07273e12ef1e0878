"""The import pages: upload a CSV or XLSX of customers or events (with an optional mapping
file), the list of one's imports, and an import's page with its progress (htmx polls it while
it runs) and its report, the rejected rows a download (engine.import_jobs).

They need `customers:write` or `events:write` somewhere; the file is written within the
departments where the user holds the permission of its kind. A file that cannot be imported is
the upload page again with every problem (422), nothing stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from dsl import DiagnosticsError
from engine.errors import N_, EngineError, PermissionDeniedError
from engine.import_jobs import PERMISSION, get_import, list_imports, rejected_file
from engine.users import UserView
from web.deps import DbDep, HxRequest, NowDep, PageSession, PageUser, SettingsDep
from web.errors import problem_for
from web.i18n import PageLanguageDep, page_language
from web.import_uploads import (
    MAPPING_MAX_BYTES,
    csv_download,
    queue_import,
    read_upload,
    said_errors,
)
from web.pages import check_csrf, render

router = APIRouter(include_in_schema=False)

REPORT_BLOCK = "report"


def _importer(user: PageUser) -> UserView:
    if not any(user.access.can_anywhere(p) for p in PERMISSION.values()):
        raise PermissionDeniedError(
            N_("this needs the permission %(permission)s"),
            permission=" or ".join(sorted(PERMISSION.values())),
        )
    return user


PageImporter = Annotated[UserView, Depends(_importer)]


def _kinds(user: UserView) -> list[str]:
    return [str(k) for k, p in PERMISSION.items() if user.access.can_anywhere(p)]


def _list_page(
    request: Request,
    user: UserView,
    database: DbDep,
    *,
    problem: Mapping[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    with database.transaction() as session:
        imports = list_imports(session, reader=user).items
    context = {"imports": imports, "kinds": _kinds(user), "problem": problem}
    return render(request, "imports.html", context, status_code=status_code)


@router.get("/imports")
def imports_page(request: Request, user: PageImporter, database: DbDep) -> Response:
    return _list_page(request, user, database)


@router.post("/imports")
def upload_import(
    request: Request,
    user: PageImporter,
    session: PageSession,
    database: DbDep,
    settings: SettingsDep,
    now: NowDep,
    language: PageLanguageDep,
    file: UploadFile,
    kind: Annotated[str, Form(max_length=20)],
    mode: Annotated[str, Form(max_length=20)] = "all-or-nothing",
    mapping: UploadFile | None = None,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    try:
        mapped = (
            (read_upload(mapping, limit=MAPPING_MAX_BYTES).decode("utf-8", "replace"),
             mapping.filename)
            if mapping is not None and mapping.filename
            else None
        )  # fmt: skip
        view = queue_import(
            database, user, kind=kind, mode=mode, filename=file.filename or "import.csv",
            content=read_upload(file), mapping=mapped, now=now, tz=settings.tz,
        )  # fmt: skip
    except PermissionDeniedError:
        raise
    except (EngineError, DiagnosticsError) as exc:
        problem = problem_for(exc, language)
        shown = {"detail": problem.detail, "errors": problem.errors or []}
        return _list_page(request, user, database, problem=shown, status_code=problem.status)
    return RedirectResponse(f"/imports/{view.id}", status_code=303)


@router.get("/imports/{import_id}")
def import_page(
    request: Request, import_id: int, user: PageImporter, database: DbDep, hx: HxRequest
) -> Response:
    """An import's progress and report; an htmx poll gets the report block only."""
    with database.transaction() as session:
        view = get_import(session, import_id, reader=user)
    context = {"job": view, "errors": said_errors(view, page_language(request))}
    return render(request, "import.html", context, block=REPORT_BLOCK if hx else None)


@router.get("/imports/{import_id}/rejected.csv")
def rejected_rows(import_id: int, user: PageImporter, database: DbDep) -> Response:
    with database.transaction() as session:
        return csv_download(*rejected_file(session, import_id, reader=user))
