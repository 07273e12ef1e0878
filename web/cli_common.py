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
from zoneinfo import ZoneInfoNotFoundError

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.exc import ArgumentError, DBAPIError
from typer import _click  # typer's own copy of click: the Context its groups are invoked with
from typer.core import TyperGroup

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


NO_SCHEMA = "the database has no riskdesk schema; run 'riskdesk db upgrade'"
OLD_SCHEMA = "the database schema is older than this riskdesk; run 'riskdesk db upgrade'"


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn what a user can get wrong into one line on stderr and exit status 1, never a
    traceback: an engine refusal (a bad template: its positioned diagnostics), a database without
    the schema or out of reach, a file that cannot be read, a setting that does not parse, and
    input too deep or too large to process. `RiskdeskGroup` wraps every command in it."""
    from dsl import DiagnosticsError, render_all

    try:
        yield
    except DiagnosticsError as exc:
        sources = getattr(exc, "sources", None) or _sources_for(exc.diagnostics)
        _err().print(render_all(exc.diagnostics, sources), markup=False)
        raise typer.Exit(1) from exc
    except EngineError as exc:
        _fail(exc.detail)
    except KeysError as exc:
        _fail(str(exc))
    except DBAPIError as exc:
        _fail(_database_problem(exc))
    except ValidationError as exc:
        _fail(_settings_problem(exc))
    except ZoneInfoNotFoundError as exc:
        _fail(f"RISKDESK_TIMEZONE: {exc}")
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(f"cannot use {where}{exc.strerror or exc}")
    except RecursionError as exc:
        _fail(f"the input is nested too deeply to process ({exc})")
    except MemoryError as exc:
        _fail(f"the input is too large to process in the memory available ({exc})")


def _first_line(error: object) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _database_problem(exc: DBAPIError) -> str:
    """What is wrong with the database, in one line an operator can act on."""
    # PostgreSQL names the problem by SQLSTATE; SQLite's only name for it is the message.
    code = getattr(exc.orig, "sqlstate", None)
    reason = _first_line(exc.orig)
    if code == "42P01" or reason.startswith("no such table"):
        return NO_SCHEMA
    if code == "42703" or reason.startswith("no such column") or " has no column named " in reason:
        return OLD_SCHEMA
    if exc.statement is None:  # raised while connecting, before any statement
        return f"cannot reach the database (RISKDESK_DATABASE_URL): {reason}"
    return f"the database refused the request: {reason}"


def _settings_problem(exc: ValidationError) -> str:
    """Every setting that does not parse, by its environment variable, on one line."""
    problems = [
        f"RISKDESK_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
        for error in exc.errors()
    ]
    return "; ".join(problems) or str(exc)


class RiskdeskGroup(TyperGroup):
    """The `riskdesk` command group: whatever a command's user got wrong, and the command let
    escape, ends as `_refusals` says (one line on stderr, exit status 1), whichever module the
    command lives in."""

    def invoke(self, ctx: _click.Context) -> Any:
        with _refusals():
            return super().invoke(ctx)


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
        return Database(settings.database_url, keys=keys)
    except KeysError as exc:
        _fail(str(exc))
    except ArgumentError as exc:  # a URL SQLAlchemy cannot parse, or a dialect it lacks
        _fail(f"RISKDESK_DATABASE_URL is not a database URL riskdesk can use: {exc}")


def _parse_day(text: str | None, settings: Settings) -> date:
    if text is None:
        return clock.utcnow().astimezone(settings.tz).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"--from: '{text}' is not a date such as 2026-01-01")


def _parse_now(text: str | None, settings: Settings) -> datetime:
    if text is None:
        return clock.utcnow()
    try:
        return clock.parse_time(text, tz=settings.tz)
    except ValueError as exc:
        # one line naming the problem: not a time, or a time outside the supported range
        _fail(f"--now: {exc}")
