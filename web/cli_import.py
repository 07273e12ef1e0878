"""`riskdesk import-data customers|events FILE`: bulk import of a CSV or XLSX file, with a progress
bar, its report, and the rejected rows written to a CSV to fix and import again (docs/import.md).

The import is one transaction (engine.imports.import_rows): in all-or-nothing mode a rejected row
leaves nothing stored. Exit status 1 when any row was rejected, with each error on stderr.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engine import clock
from engine.db import Database
from engine.imports import ImportReport, import_rows, rejected_csv
from engine.settings import Settings, get_settings
from forms import MAX_FILE_BYTES, Table, read_table
from web.cli_common import CLI_ACTOR, _database, _err, _fail, _out, _parse_now

# Errors shown on stderr; the rest are counted (the rejected-rows file holds them all).
SHOWN_ERRORS = 50


class ImportKindOption(StrEnum):
    CUSTOMERS = "customers"
    EVENTS = "events"


class ImportModeOption(StrEnum):
    ALL_OR_NOTHING = "all-or-nothing"
    VALID_ROWS = "valid-rows"


def read_import_file(path: Path) -> Table:
    """The table of the file at `path`, its size checked before it is read. Raises
    ImportFileError, OSError."""
    if path.stat().st_size > MAX_FILE_BYTES:
        # read_table says it in its words; only the first bytes past the bound are read
        with path.open("rb") as handle:
            return read_table(handle.read(MAX_FILE_BYTES + 1), filename=str(path))
    return read_table(path.read_bytes(), filename=str(path))


def run_import(
    database: Database,
    settings: Settings,
    *,
    kind: str,
    table: Table,
    mode: str,
    mapping: tuple[str, str] | None,
    now: datetime,
    console: Console,
    actor: str = CLI_ACTOR,
    source: str = "import",
) -> ImportReport:
    """Import `table` in one transaction with a progress bar (on a terminal)."""
    progress = Progress(
        TextColumn(f"{kind:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
    )
    with progress:
        task = progress.add_task(kind, total=len(table.rows))
        with database.transaction() as session:
            return import_rows(
                session,
                kind,
                table,
                mode=mode,
                mapping=mapping,
                actor=actor,
                now=now,
                tz=settings.tz,
                source=source,
                progress=lambda done: progress.update(task, completed=done),
            )


def summary(report: ImportReport, filename: str) -> str:
    """One line: what happened to the file's rows."""
    read_as = f" (read as {report.encoding.upper()})" if report.encoding == "gb18030" else ""
    line = (
        f"{filename}{read_as}: {report.rows} rows: {report.created} created, "
        f"{report.updated} updated, {report.unchanged} unchanged, {report.rejected} rejected"
    )
    if report.rolled_back:
        line += "; nothing was imported (all-or-nothing)"
    elif report.cases_opened:
        line += f"; {report.cases_opened} case(s) opened"
    return line + "."


def import_data(
    kind: Annotated[ImportKindOption, typer.Argument(help="What the rows are.")],
    file: Annotated[Path, typer.Argument(help="A .csv (UTF-8 or GB18030) or .xlsx file.")],
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="A mapping.yaml naming the field of each column."),
    ] = None,
    mode: Annotated[
        ImportModeOption,
        typer.Option(
            help="all-or-nothing: one bad row imports nothing; valid-rows: the rest go in."
        ),
    ] = ImportModeOption.ALL_OR_NOTHING,
    rejected: Annotated[
        Path | None,
        typer.Option("--rejected", help="Write the rejected rows, with a reason column, here."),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(help="The time to import at (ISO 8601; naive is read in RISKDESK_TIMEZONE)."),
    ] = None,
) -> None:
    """Import customers or events from a CSV or XLSX file; exit 1 when a row was rejected."""
    settings = get_settings()
    at = _parse_now(now, settings) if now is not None else clock.utcnow()
    table = read_import_file(file)
    mapping_source = (
        (mapping.read_text(encoding="utf-8"), str(mapping)) if mapping is not None else None
    )
    database = _database(settings)
    try:
        report = run_import(
            database,
            settings,
            kind=str(kind),
            table=table,
            mode=str(mode),
            mapping=mapping_source,
            now=at,
            console=_out(),
        )
    finally:
        database.dispose()
    _out().print(summary(report, file.name))
    if rejected is not None and report.rejected:
        rejected.write_text(rejected_csv(table, report), encoding="utf-8")
        _out().print(f"Rejected rows written to {rejected}.")
    if report.rejected:
        err = _err()
        for item in report.errors[:SHOWN_ERRORS]:
            where = f", column '{item.column}'" if item.column else ""
            err.print(f"row {item.row}{where}: {item.message} [{item.code}]", markup=False)
        if len(report.errors) > SHOWN_ERRORS:
            err.print(f"... and {len(report.errors) - SHOWN_ERRORS} more errors", markup=False)
        _fail(f"{report.rejected} of {report.rows} rows rejected")
