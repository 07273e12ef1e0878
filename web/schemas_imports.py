"""API shapes of imports run as jobs (web.api.imports)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from engine.import_jobs import ImportView
from web.import_uploads import said_errors


class ImportErrorPublic(BaseModel):
    row: int = Field(description="the row as a spreadsheet numbers it (the header is 1)")
    column: str | None = Field(description="the column's header; null: the row as a whole")
    code: str
    message: str = Field(description="in the caller's language (`?lang=`, else Accept-Language)")


class ImportPublic(BaseModel):
    """An import and, once done, its report: `created + updated + unchanged + rejected` is
    `rows`, the file's data rows."""

    id: int
    kind: str = Field(description="customers or events")
    mode: str = Field(description="all-or-nothing or valid-rows")
    status: str = Field(description="queued, running, done or failed")
    filename: str
    encoding: str | None = Field(description="how a CSV was decoded; null for an XLSX")
    rows: int
    done: int = Field(description="rows processed so far")
    created: int
    updated: int
    unchanged: int
    rejected: int
    rolled_back: bool = Field(description="all-or-nothing and a row was rejected: none stored")
    errors: list[ImportErrorPublic]
    error: str | None = Field(description="why the import failed as a whole")
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, view: ImportView, *, language: str = "en") -> ImportPublic:
        """`view` with its row errors' messages in `language`."""
        return cls(
            id=view.id,
            kind=view.kind,
            mode=view.mode,
            status=view.status,
            filename=view.filename,
            encoding=view.encoding,
            rows=view.rows,
            done=view.done,
            created=view.created,
            updated=view.updated,
            unchanged=view.unchanged,
            rejected=view.rejected,
            rolled_back=view.rolled_back,
            errors=[ImportErrorPublic.model_validate(e) for e in said_errors(view, language)],
            error=view.error,
            created_by=view.created_by,
            created_at=view.created_at,
            finished_at=view.finished_at,
        )


class ImportPage(BaseModel):
    items: list[ImportPublic]
    next_cursor: str | None
