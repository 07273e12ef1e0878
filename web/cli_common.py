"""What every `riskdesk` command shares: consoles, the one-line refusal, the database, times.

Command groups live in their own modules (`web.cli_*`), each a `typer.Typer` that `web.cli`
registers; they import these helpers from here, never from `web.cli`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

from engine import clock
from engine.db import Database
from engine.errors import EngineError
from engine.keys import KeysError
from engine.settings import Settings

CLI_ACTOR = "cli"


def _out() -> Console:
    # Built per call: the console writes to whatever sys.stdout is now (CliRunner swaps it).
    return Console(soft_wrap=True, highlight=False)


def _err() -> Console:
    return Console(stderr=True, soft_wrap=True, highlight=False)


def _fail(message: str) -> NoReturn:
    _err().print(f"[bold red]error:[/] {message}", markup=True)
    raise typer.Exit(1)


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn an engine refusal (or a bad template) into one line on stderr and exit status 1."""
    from dsl import DiagnosticsError, render_all

    try:
        yield
    except DiagnosticsError as exc:
        sources = getattr(exc, "sources", None) or _sources_for(exc.diagnostics)
        _err().print(render_all(exc.diagnostics, sources), markup=False)
        raise typer.Exit(1) from exc
    except EngineError as exc:
        _fail(exc.detail)


def _sources_for(diagnostics: Any, root: Path | None = None) -> dict[str, str]:
    """The text of each file the diagnostics name, when it can be read (for the caret snippet)."""
    sources: dict[str, str] = {}
    for diagnostic in diagnostics:
        span = getattr(diagnostic, "span", None)
        if span is None or span.file in sources:
            continue
        for candidate in (Path(span.file), *(() if root is None else (root / span.file,))):
            try:
                sources[span.file] = candidate.read_text(encoding="utf-8")
                break
            except (OSError, UnicodeDecodeError):
                continue
    return sources


def _database(settings: Settings, *, create_keys: bool = False) -> Database:
    """The instance's database with its keys; `create_keys` generates a missing keys file."""
    from engine.settings import instance_keys

    try:
        keys = instance_keys(settings, create=create_keys)
    except KeysError as exc:
        _fail(str(exc))
    return Database(settings.database_url, keys=keys)


def _parse_day(text: str | None, settings: Settings) -> date:
    if text is None:
        return clock.utcnow().astimezone(settings.tz).date()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"'{text}' is not a date such as 2026-01-01") from exc


def _parse_now(text: str | None, settings: Settings) -> datetime:
    if text is None:
        return clock.utcnow()
    try:
        return clock.parse_time(text, tz=settings.tz)
    except ValueError as exc:
        # one line naming the problem: not a time, or a time outside the supported range
        raise typer.BadParameter(str(exc), param_hint="--now") from exc
