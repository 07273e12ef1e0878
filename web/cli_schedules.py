"""`riskdesk schedules`: the template schedules the sweep fires, and when."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated

import typer

from engine.schedules import list_schedules
from engine.settings import get_settings
from web.cli_common import _database, _out


def schedules_command(
    all_: Annotated[
        bool, typer.Option("--all", help="Also list schedules removed from their template.")
    ] = False,
) -> None:
    """List the template schedules: cron, action, next and last firing (workspace time)."""
    settings = get_settings()
    database = _database(settings)
    try:
        with database.transaction() as session:
            schedules = list_schedules(session, include_inactive=all_)
    finally:
        database.dispose()
    out = _out()
    if not schedules:
        out.print("No schedules: the imported templates list none.")
        return
    tz = settings.tz
    out.print(f"Schedules (times in {settings.timezone}):")
    for view in schedules:
        when = (
            f"next {_at(view.next_fire_at, tz)}" if view.is_active else "removed from its template"
        )
        last = _at(view.last_fired_at, tz) if view.last_fired_at else "never"
        out.print(
            f"  {view.id} ({view.template_key}): {view.cron} in {view.timezone}, {view.action}; "
            f"{when}; last fired {last}"
        )
        if view.last_error:
            out.print(f"    last error ({view.attempts} tries): {view.last_error}")


def _at(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).isoformat(sep=" ", timespec="minutes")
