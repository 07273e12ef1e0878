"""Template import: upload a bundle as a .zip and publish it."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, UploadFile

from engine.templates import import_template
from web.api.json_body import StrictJSONRoute
from web.deps import DbDep, NowDep, SettingsDep, TemplateImporter
from web.schemas import TemplateImportedPublic

router = APIRouter(tags=["templates"], route_class=StrictJSONRoute)


@router.post("/templates", status_code=201, response_model=TemplateImportedPublic)
def post_template(
    file: UploadFile, user: TemplateImporter, database: DbDep, settings: SettingsDep, now: NowDep
) -> TemplateImportedPublic:
    """Import a template bundle (a .zip with `template.yaml` at its root or in one top folder).

    All or nothing: 422 lists every problem in the diagnostics shape.
    """
    with tempfile.TemporaryDirectory(prefix="riskdesk-upload-") as folder:
        path = Path(folder) / "bundle.zip"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out)
        with database.transaction() as session:
            imported = import_template(
                session,
                path,
                actor=user.name,
                now=now,
                base_currency=settings.base_currency,
                timezone=settings.timezone,
            )
    return TemplateImportedPublic.model_validate(imported)
