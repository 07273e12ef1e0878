"""Imports run as jobs (the REST API's and the import page's): the uploaded file kept as an
`import_files` row beside a `jobs` row of kind `import`, its chunks the file's rows, claimed and
processed like every job's (engine.jobs), so any process runs them, a restart resumes where it
stopped and no row is written twice.

In `all-or-nothing` mode the whole file is one chunk: one transaction stores every row or none.
In `valid-rows` mode each chunk of ROWS_PER_CHUNK rows is written in the transaction that marks
it done, and the job's `done` counts the rows so far (the page's progress). The report is the
job's result, combined from the chunks' shares: the same counts and errors as engine.imports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Final, Protocol

from sqlmodel import Session, col, select

import forms
from engine import jobs
from engine.errors import N_, InvalidRequestError, NotFoundError
from engine.import_kinds import ImportKind, ImportMode, RowError
from engine.imports import ImportReport, check_columns, import_rows, rejected_csv
from engine.models import ImportFile, Job, JobChunk
from engine.pagination import clamp_limit, decode_cursor, encode_cursor
from engine.scoping import Scope
from engine.views import Page

KIND: Final = "import"
ROWS_PER_CHUNK: Final = 2000
# who may read an import besides its author: a holder of its kind's permission everywhere
PERMISSION: Final = {ImportKind.CUSTOMERS: "customers:write", ImportKind.EVENTS: "events:write"}


class Reader(Protocol):
    """Who reads an import: anything with a name answering `can` (engine.users.UserView)."""

    @property
    def name(self) -> str: ...

    def can(self, permission: str, department: str | None = None) -> bool: ...


@dataclass(frozen=True, slots=True)
class ImportView:
    """An import as its author sees it: the job's state and, once done, the report."""

    id: int
    kind: str
    mode: str
    status: str  # queued, running, done, failed (engine.models.JobStatus)
    filename: str
    rows: int
    done: int  # rows processed so far
    created: int
    updated: int
    unchanged: int
    rejected: int
    # {row, column, code, message (English), wording (forms.stored_text; older reports: none)}
    errors: tuple[Mapping[str, Any], ...]
    encoding: str | None
    rolled_back: bool
    error: str | None  # why the job failed
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None

    @property
    def is_finished(self) -> bool:
        return self.status in ("done", "failed", "cancelled")


def permission_for(kind: str) -> str:
    """The permission an import of `kind` needs. Raises InvalidRequestError (unknown kind)."""
    return PERMISSION[_kind(kind)]


def _kind(kind: str) -> ImportKind:
    try:
        return ImportKind(kind)
    except ValueError as exc:
        raise InvalidRequestError(N_("an import is of customers or events")) from exc


def _mode(mode: str) -> ImportMode:
    try:
        return ImportMode(mode)
    except ValueError as exc:
        raise InvalidRequestError(N_("an import's mode is all-or-nothing or valid-rows")) from exc


def _chunks(table: forms.Table, mode: ImportMode) -> list[tuple[int, int, int]]:
    """(first row, last row, rows) of each chunk: the whole file in all-or-nothing mode."""
    numbers = [number for number, _cells in table.rows]
    size = len(numbers) if mode is ImportMode.ALL_OR_NOTHING else ROWS_PER_CHUNK
    return [
        (part[0], part[-1], len(part))
        for part in (numbers[at : at + size] for at in range(0, len(numbers), size))
    ]


def start_import(
    session: Session,
    *,
    kind: str,
    mode: str,
    filename: str,
    content: bytes,
    mapping: tuple[str, str] | None,
    actor: str,
    scope: Scope,
    now: datetime,
    tz: tzinfo,
) -> int:
    """Queue the import of file `content` (named `filename`) as `kind` in `mode`, with a
    mapping file's (text, name), to write within `scope`; returns its id. The file is read and
    its header and mapping checked now: what cannot be imported at all stores nothing.

    Raises ImportFileError (the file: too large, malformed, over a bound), ImportMappingError
    (the header or the mapping), InvalidRequestError (kind, mode, a file without data rows),
    NotConfiguredError (no template imported)."""
    import_kind, import_mode = _kind(kind), _mode(mode)
    table = forms.read_table(content, filename=filename)
    if not table.rows:
        raise InvalidRequestError(N_("the file %(file)s has no data rows"), file=filename)
    check_columns(session, import_kind, table, mapping=mapping, now=now, tz=tz)
    job = jobs.start_job(
        session,
        kind=KIND,
        params={"kind": str(import_kind), "mode": str(import_mode), "file": filename},
        actor=actor,
        now=now,
        ranges=_chunks(table, import_mode),
    )
    assert job.id is not None
    session.add(
        ImportFile(
            job_id=job.id,
            filename=filename,
            content=content,
            mapping=mapping[0] if mapping else None,
            mapping_filename=mapping[1] if mapping else None,
            scope=sorted(scope) if scope is not None else None,
        )
    )
    session.flush()
    return job.id


def _file(session: Session, job_id: int) -> ImportFile:
    return session.exec(select(ImportFile).where(ImportFile.job_id == job_id)).one()


def _table(file: ImportFile) -> forms.Table:
    return forms.read_table(file.content, filename=file.filename)


class ImportHandler:
    """The job kind `import` (engine.job_kinds): a chunk imports its rows."""

    def process(
        self, session: Session, job: Job, chunk: JobChunk, *, now: datetime, tz: tzinfo
    ) -> dict[str, Any]:
        file = _file(session, job.id or 0)
        mode = ImportMode(job.params["mode"])
        report = import_rows(
            session,
            job.params["kind"],
            _table(file),
            mode=mode,
            mapping=(file.mapping, file.mapping_filename or "mapping.yaml")
            if file.mapping is not None
            else None,
            actor=job.created_by,
            now=now,
            tz=tz,
            scope=frozenset(file.scope) if file.scope is not None else None,
            rows_range=None
            if mode is ImportMode.ALL_OR_NOTHING
            else (chunk.first_id, chunk.last_id),
        )
        return {
            **report.to_dict(),
            "rejected_rows": list(report.rejected_rows),
            "rolled_back": report.rolled_back,
            "cases_opened": report.cases_opened,
            "encoding": report.encoding,
        }

    def combine(
        self, session: Session, job: Job, shares: Sequence[Mapping[str, Any]], *, now: datetime
    ) -> dict[str, Any]:
        counts = ("rows", "created", "updated", "unchanged", "rejected", "cases_opened")
        result: dict[str, Any] = {name: sum(s.get(name, 0) for s in shares) for name in counts}
        result["errors"] = sorted(
            (e for s in shares for e in s.get("errors", ())), key=lambda e: e["row"]
        )
        result["rejected_rows"] = sorted(r for s in shares for r in s.get("rejected_rows", ()))
        result["rolled_back"] = any(s.get("rolled_back") for s in shares)
        result["encoding"] = next((s.get("encoding") for s in shares), None)
        return result


def _may_read(job: Job, reader: Reader) -> bool:
    kind = job.params.get("kind", "")
    return job.created_by == reader.name or reader.can(PERMISSION.get(kind, "users:admin"))


def _find(session: Session, import_id: int, reader: Reader) -> Job:
    try:
        job = jobs.find_job(session, import_id, kind=KIND)
    except NotFoundError:
        job = None
    if job is None or not _may_read(job, reader):
        raise NotFoundError(N_("there is no import %(id)s"), id=import_id)
    return job


def _view(job: Job) -> ImportView:
    assert job.id is not None
    result = job.result or {}
    return ImportView(
        id=job.id,
        kind=str(job.params.get("kind")),
        mode=str(job.params.get("mode")),
        status=str(job.status),
        filename=str(job.params.get("file")),
        rows=job.total,
        done=job.done,
        created=int(result.get("created", 0)),
        updated=int(result.get("updated", 0)),
        unchanged=int(result.get("unchanged", 0)),
        rejected=int(result.get("rejected", 0)),
        errors=tuple(result.get("errors", ())),
        encoding=result.get("encoding"),
        rolled_back=bool(result.get("rolled_back")),
        error=job.error,
        created_by=job.created_by,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def get_import(session: Session, import_id: int, *, reader: Reader) -> ImportView:
    """The import `import_id`, for its author or a holder of its kind's permission everywhere.
    Raises NotFoundError (none, or not theirs to read: the same answer)."""
    return _view(_find(session, import_id, reader))


def list_imports(
    session: Session, *, reader: Reader, cursor: str | None = None, limit: int | None = None
) -> Page[ImportView]:
    """The imports `reader` may read, newest first, a page at a time. Raises
    InvalidRequestError (a foreign cursor, a limit below 1)."""
    size = clamp_limit(limit)
    query = select(Job).where(Job.kind == KIND)
    everyone = [k for k, p in PERMISSION.items() if reader.can(p)]
    if len(everyone) < len(PERMISSION):
        query = query.where(col(Job.created_by) == reader.name)
    before = decode_cursor(cursor)
    if before is not None:
        query = query.where(col(Job.id) < before)
    rows = session.exec(query.order_by(col(Job.id).desc()).limit(size + 1)).all()
    items = tuple(_view(row) for row in rows[:size] if _may_read(row, reader))
    next_cursor = encode_cursor(rows[size - 1].id or 0) if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor)


def rejected_file(session: Session, import_id: int, *, reader: Reader) -> tuple[str, str]:
    """The rejected rows of a finished import as a CSV to fix and import again, and its file
    name. Raises NotFoundError (also: not finished yet)."""
    job = _find(session, import_id, reader)
    if job.result is None:
        raise NotFoundError(N_("import %(id)s has not finished yet"), id=import_id)
    file = _file(session, import_id)
    view = _view(job)
    report = ImportReport(
        kind=view.kind,
        mode=view.mode,
        rows=view.rows,
        created=view.created,
        updated=view.updated,
        unchanged=view.unchanged,
        rejected=view.rejected,
        errors=tuple(RowError.of(e) for e in view.errors),
        rejected_rows=tuple(job.result.get("rejected_rows", ())),
        rolled_back=view.rolled_back,
    )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", file.filename.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    return f"{stem.strip('._') or 'import'}-rejected.csv", rejected_csv(_table(file), report)
