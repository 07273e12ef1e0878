"""`riskdesk keys rotate`: a new data key, then every sensitive value re-sealed under it.

The new key is written to the keys file first (the older keys stay there, so backups and
values not yet re-sealed still open), then the customers are re-sealed a batch at a time, each
batch its own transaction (engine.key_rotation), with a progress bar on stderr and a report on
stdout. Interrupted, `riskdesk keys rotate --resume` finishes under the same key. The rotation
ends with one `keys.rotated` audit row.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from engine import clock
from engine.db import Database
from engine.key_rotation import (
    DEFAULT_BATCH_SIZE,
    RotationTotals,
    count_customers,
    record_rotation,
    reseal_batch,
)
from engine.keys import KeysError, keys_file_path, read_keys_file, write_keys_file
from engine.settings import get_settings
from web.cli_common import CLI_ACTOR, _database, _err, _fail, _out, _refusals

keys_app = typer.Typer(help="The instance's keys.", no_args_is_help=True)

_RESUME_HINT = "run 'riskdesk keys rotate --resume' to finish re-sealing under the new key"


@keys_app.command("rotate")
def keys_rotate(
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Add no key: finish re-sealing under the current one (after a stop)."
        ),
    ] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=10_000, help="Customers per transaction.")
    ] = DEFAULT_BATCH_SIZE,
) -> None:
    """Add a new data key to the keys file and re-seal every sensitive value under it."""
    settings = get_settings()
    if settings.data_key:
        _fail(
            "RISKDESK_DATA_KEY is set, so the environment's data key stays the current one: "
            "unset it to rotate through the keys file"
        )
    path = keys_file_path(settings.database_url, settings.keys_file)
    try:
        keys = read_keys_file(path)
    except KeysError as exc:
        _fail(str(exc))
    previous_key_id: str | None = keys.current_data_key_id
    if resume:
        previous_key_id = None
    else:
        keys = keys.with_new_data_key()
        write_keys_file(path, keys)
        _out().print(f"added data key {keys.current_data_key_id} to {path}", markup=False)

    database = _database(settings)
    try:
        with _refusals():
            try:
                totals = _reseal_all(database, batch_size=batch_size)
            except KeysError as exc:  # a value whose key is not in the keys file
                _fail(f"{exc}; then {_RESUME_HINT}")
            with database.transaction() as session:
                record_rotation(
                    session,
                    totals=totals,
                    previous_key_id=previous_key_id,
                    resumed=resume,
                    actor=CLI_ACTOR,
                    now=clock.utcnow(),
                )
    except KeyboardInterrupt:
        _err().print(f"interrupted: {_RESUME_HINT}", markup=False)
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    _out().print(
        f"re-sealed {totals.resealed} value(s) and sealed {totals.sealed} clear value(s) of "
        f"{totals.changed} of {totals.customers} customer(s) under data key "
        f"{keys.current_data_key_id} in {totals.batches} batch(es)",
        markup=False,
    )


def _reseal_all(database: Database, *, batch_size: int) -> RotationTotals:
    """Every customer re-sealed, a batch per transaction, with a progress bar on stderr."""
    totals = RotationTotals()
    with database.transaction() as session:
        total = count_customers(session)
    with Progress(
        TextColumn("re-sealing"),
        BarColumn(),
        MofNCompleteColumn(),
        console=_err(),
        transient=True,
    ) as progress:
        task = progress.add_task("customers", total=total)
        after_id = 0
        while True:
            with database.transaction() as session:
                batch = reseal_batch(session, after_id=after_id, limit=batch_size)
            if batch.last_id is None:
                return totals
            totals = totals.plus(batch)
            after_id = batch.last_id
            progress.advance(task, batch.customers)
