"""`riskdesk rescore`: rescore the whole portfolio in this process, with a progress bar.

The rescore is a job like one started through the API (engine.rescoring): this process claims
its chunks one at a time while the sweeps of running servers may take others; `--resume ID`
continues a rescore that was interrupted (its chunks done stay done).
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engine.db import Database
from engine.settings import Settings, get_settings
from web.cli_common import CLI_ACTOR, _database, _fail, _out, _parse_now

# While other processes hold every chunk left, look again this often (their claims expire).
WAIT_SECONDS = 1.0


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"--as-of: '{text}' is not a date such as 2026-12-01")


def _start(
    database: Database,
    settings: Settings,
    *,
    now: datetime,
    as_of: date | None,
    chunk_size: int,
    reason: str,
) -> int:
    from engine.rescoring import start_rescore

    if chunk_size < 1:
        _fail("--chunk-size must be at least 1")
    with database.transaction() as session:
        job = start_rescore(
            session,
            actor=CLI_ACTOR,
            now=now,
            as_of=as_of,
            reason=reason,
            chunk_size=chunk_size,
            tz=settings.tz,
        )
        assert job.id is not None
        return job.id


def _summary(console: Console, database: Database, rescore_id: int) -> str:
    from engine.rescoring import get_rescore

    with database.transaction() as session:
        view = get_rescore(session, rescore_id)
    moves = ", ".join(
        f"{change.from_tier or 'new'} → {change.to_tier} {change.customers}"
        for change in view.tier_changes
    )
    console.print(
        f"Rescore {view.id} {view.status}: {view.done} of {view.total} customers scored as of "
        f"{view.as_of.isoformat()}, {view.changed} changed"
        + (f" (tier changes: {moves})" if moves else "")
        + f", {view.cases_opened} case(s) opened."
    )
    if view.error:
        console.print(f"error: {view.error}")
    return view.status


def _run(
    database: Database,
    settings: Settings,
    rescore_id: int,
    *,
    fixed_now: datetime | None,
    console: Console,
) -> None:
    """Process the rescore's chunks until none is left to this process."""
    from engine import clock
    from engine.job_kinds import run_due_chunks
    from engine.jobs import ACTIVE, find_job
    from engine.scheduler import worker_name

    worker = f"cli:{worker_name()}"

    def state() -> tuple[str, int, int]:
        with database.transaction() as session:
            job = find_job(session, rescore_id, kind="rescore")
            return job.status, job.done, job.total

    status, done, total = state()
    # a terminal gets a bar; a log file or pipe one line per chunk
    bar = console.is_terminal
    progress = Progress(
        TextColumn(f"rescore {rescore_id}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not bar,
    )
    with progress:
        task = progress.add_task("rescore", total=total, completed=done)
        while status in ACTIVE:
            now = fixed_now or clock.utcnow()
            report = run_due_chunks(
                database, now=now, worker=worker, tz=settings.tz, limit=1, job_id=rescore_id
            )
            status, done, total = state()
            progress.update(task, completed=done)
            if report.claimed and not bar:
                console.print(f"rescore {rescore_id}: {done}/{total} customers")
            if report.claimed or status not in ACTIVE:
                continue
            if fixed_now is not None:
                # the clock stands still: claims held by others never expire here
                console.print(
                    f"rescore {rescore_id}: the chunks left are held by other processes; "
                    f"resume it later with --resume {rescore_id}"
                )
                return
            time.sleep(WAIT_SECONDS)


def rescore(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The date to score on (default: today in RISKDESK_TIMEZONE); events that "
            "occurred by its end count.",
        ),
    ] = None,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", help="Customers per chunk (default 1000).")
    ] = 1000,
    resume: Annotated[
        int | None,
        typer.Option("--resume", help="Continue the interrupted rescore with this id."),
    ] = None,
    reason: Annotated[str, typer.Option(help="Why it runs (kept with the rescore).")] = "manual",
    now: Annotated[
        str | None,
        typer.Option(help="The time to run at (ISO 8601; naive is read in RISKDESK_TIMEZONE)."),
    ] = None,
) -> None:
    """Rescore every customer with the published scoring ruleset, with a progress bar; exit 1
    when the rescore failed."""
    settings = get_settings()
    database = _database(settings)
    fixed_now = _parse_now(now, settings) if now is not None else None
    console = _out()
    if resume is None:
        from engine import clock

        rescore_id = _start(
            database,
            settings,
            now=fixed_now or clock.utcnow(),
            as_of=_as_of(as_of),
            chunk_size=chunk_size,
            reason=reason,
        )
        console.print(f"Rescore {rescore_id} started.")
    else:
        rescore_id = resume
    try:
        _run(database, settings, rescore_id, fixed_now=fixed_now, console=console)
        status = _summary(console, database, rescore_id)
    finally:
        database.dispose()
    if status == "failed":
        raise typer.Exit(1)
