"""`riskdesk audit ...`: verify the audit trail's keyed chain."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError, ProgrammingError

from engine.audit import verify_trail
from engine.keys import KeysError
from engine.settings import get_settings
from web.cli_common import _database, _fail, _out

audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    batch_size: Annotated[
        int, typer.Option(min=1, max=100_000, help="Rows read per query while walking.")
    ] = 1000,
) -> None:
    """Walk the audit chain with the instance's audit key and check its head.

    Prints "N rows, chain intact" (exit 0), or the first row changed, removed or inserted, or a
    head mismatch, with its id (exit 1).
    """
    database = _database(get_settings())
    try:
        with database.transaction() as session:
            report = verify_trail(session, batch_size=batch_size)
    except KeysError as exc:
        _fail(str(exc))
    except (OperationalError, ProgrammingError) as exc:
        _fail(f"cannot read the audit trail ({type(exc.orig).__name__}); run 'riskdesk db upgrade'")
    finally:
        database.dispose()
    if report.problem is not None:
        _fail(report.problem.message)
    _out().print(report.summary)
    _out().print(f"head: row {report.last_id or 0}, hash {report.last_hash}", style="dim")
